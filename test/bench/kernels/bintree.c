/* bintree: allocation-heavy work in the style of "binary trees": builds and
 * walks many short-lived complete binary trees through malloc/free, plus
 * one long-lived tree; prints the node counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_DEPTH 16
#define MIN_DEPTH 4

typedef struct Tree {
    struct Tree *left, *right;
    uint32_t value;
} Tree;

static Tree *build(int depth, uint32_t value)
{
    Tree *t = malloc(sizeof *t);
    if (!t) {
        printf("bintree: out of memory\n");
        exit(1);
    }
    t->value = value;
    t->left = depth > 0 ? build(depth - 1, 2 * value) : NULL;
    t->right = depth > 0 ? build(depth - 1, 2 * value + 1) : NULL;
    return t;
}

/* node count and a checksum of the values in pre-order */
static uint32_t walk(const Tree *t, uint32_t *check)
{
    *check = *check * 31 + t->value;
    return 1 + (t->left ? walk(t->left, check) + walk(t->right, check) : 0);
}

static void release(Tree *t)
{
    if (t->left) {
        release(t->left);
        release(t->right);
    }
    free(t);
}

int main(void)
{
    uint32_t check = 0;
    Tree *long_lived = build(MAX_DEPTH, 1);
    for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
        uint32_t iterations = 3u << (MAX_DEPTH - depth + MIN_DEPTH - 1), nodes = 0;
        for (uint32_t i = 0; i < iterations; i++) {
            Tree *t = build(depth, i);
            nodes += walk(t, &check);
            release(t);
        }
        printf("bintree: %u trees of depth %d: %u nodes\n", iterations, depth, nodes);
    }
    uint32_t nodes = walk(long_lived, &check);
    printf("bintree: long-lived tree of depth %d: %u nodes, check 0x%08x\n", MAX_DEPTH, nodes,
           check);
    release(long_lived);
    return 0;
}
