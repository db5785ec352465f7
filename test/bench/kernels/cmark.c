/* cmark: a CoreMark-like mixed integer workload, written for this suite.
 * Every iteration runs three passes over data set up at the start:
 *  - list: find values in a linked list, reverse it, merge-sort it by value
 *    and back by index;
 *  - matrix: int16 matrices with int32 results: add a constant, scale,
 *    matrix-vector and matrix-matrix multiply-add, bit-field extraction;
 *  - state machine: classify the comma-separated numbers of a text
 *    (integer, decimal, exponent, invalid), as is and corrupted.
 * A CRC16 folds every result, and seeds the next iteration. */
#include <stdint.h>
#include <stdio.h>

#define ITERATIONS 13000
#define LIST_NODES 200
#define LIST_VALUES 1024
#define MAT_N 20
#define TEXT_LEN 400

static uint32_t lcg_state = 0x2545f491u;

static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

/* ======================= CRC16 (CCITT 0x1021) ======================= */

static uint16_t crc_byte(uint16_t crc, uint8_t b)
{
    crc ^= (uint16_t)(b << 8);
    for (int i = 0; i < 8; i++)
        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc_u16(uint16_t crc, uint16_t v)
{
    return crc_byte(crc_byte(crc, (uint8_t)v), (uint8_t)(v >> 8));
}

static uint16_t crc_u32(uint16_t crc, uint32_t v)
{
    return crc_u16(crc_u16(crc, (uint16_t)v), (uint16_t)(v >> 16));
}

/* =========================== linked list ============================ */

typedef struct Node {
    struct Node *next;
    int16_t value;
    uint16_t index;
} Node;

static Node nodes[LIST_NODES];

static Node *list_init(void)
{
    for (int i = 0; i < LIST_NODES; i++) {
        nodes[i].value = (int16_t)(lcg() % LIST_VALUES);
        nodes[i].index = (uint16_t)i;
        nodes[i].next = i + 1 < LIST_NODES ? &nodes[i + 1] : NULL;
    }
    return &nodes[0];
}

static Node *list_find(Node *n, int16_t value)
{
    while (n && n->value != value)
        n = n->next;
    return n;
}

static Node *list_reverse(Node *n)
{
    Node *prev = NULL;
    while (n) {
        Node *next = n->next;
        n->next = prev;
        prev = n;
        n = next;
    }
    return prev;
}

static int in_order(const Node *a, const Node *b, int by_value)
{
    return by_value ? a->value <= b->value : a->index <= b->index;
}

static Node *list_merge(Node *a, Node *b, int by_value)
{
    Node head, *tail = &head;
    while (a && b) {
        if (in_order(a, b, by_value)) {
            tail->next = a;
            a = a->next;
        } else {
            tail->next = b;
            b = b->next;
        }
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return head.next;
}

/* bottom-up merge sort: bins[k] holds a sorted run of 2^k nodes (or none) */
static Node *list_sort(Node *list, int by_value)
{
    Node *bins[16] = {0};
    while (list) {
        Node *run = list;
        list = list->next;
        run->next = NULL;
        int k = 0;
        for (; bins[k]; k++) {
            run = list_merge(bins[k], run, by_value);
            bins[k] = NULL;
        }
        bins[k] = run;
    }
    Node *sorted = NULL;
    for (int k = 0; k < 16; k++)
        if (bins[k])
            sorted = list_merge(bins[k], sorted, by_value);
    return sorted;
}

static uint16_t list_pass(Node **head, uint16_t seed, uint16_t crc)
{
    for (int i = 0; i < 8; i++) {
        Node *n = list_find(*head, (int16_t)((seed + i * 131) % LIST_VALUES));
        crc = crc_u16(crc, n ? n->index : 0xffff);
        if (n)
            n->value = (int16_t)((n->value + seed) % LIST_VALUES);
        *head = list_reverse(*head);
    }
    *head = list_sort(*head, 1);
    int i = 0;
    for (const Node *n = *head; n; n = n->next, i++)
        if ((i & 15) == 0)
            crc = crc_u16(crc, (uint16_t)n->value);
    *head = list_sort(*head, 0);
    return crc_u16(crc, (*head)->index);
}

/* ============================= matrix =============================== */

static int16_t mat_a[MAT_N * MAT_N], mat_b[MAT_N * MAT_N];
static int32_t mat_c[MAT_N * MAT_N];

static void mat_init(void)
{
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        mat_a[i] = (int16_t)(lcg() % 512) - 256;
        mat_b[i] = (int16_t)(lcg() % 128) - 64;
    }
}

/* the sum of the first n results, and how often a running sum passed limit */
static uint16_t mat_summary(int n, int32_t limit)
{
    int32_t sum = 0;
    uint16_t crossings = 0;
    for (int i = 0; i < n; i++) {
        sum += mat_c[i];
        if (sum > limit) {
            crossings += 10;
            sum = 0;
        } else
            crossings += mat_c[i] > 0;
    }
    return (uint16_t)(crossings + (uint16_t)sum);
}

static void mat_scale(int16_t k)
{
    for (int i = 0; i < MAT_N * MAT_N; i++)
        mat_c[i] = (int32_t)mat_a[i] * k;
}

static void mat_times_vector(int column)
{
    for (int i = 0; i < MAT_N; i++) {
        int32_t sum = 0;
        for (int j = 0; j < MAT_N; j++)
            sum += (int32_t)mat_a[i * MAT_N + j] * mat_b[j * MAT_N + column];
        mat_c[i] = sum;
    }
}

static void mat_times_mat(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t sum = 0;
            for (int k = 0; k < MAT_N; k++)
                sum += (int32_t)mat_a[i * MAT_N + k] * mat_b[k * MAT_N + j];
            mat_c[i * MAT_N + j] = sum;
        }
}

/* like mat_times_mat, but accumulates bit fields of each product */
static void mat_bits(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t sum = 0;
            for (int k = 0; k < MAT_N; k++) {
                uint32_t p = (uint32_t)((int32_t)mat_a[i * MAT_N + k] * mat_b[k * MAT_N + j]);
                sum += (int32_t)((p >> 2) & 0x7f) * (int32_t)((p >> 5) & 0xf);
            }
            mat_c[i * MAT_N + j] = sum;
        }
}

static uint16_t mat_pass(uint16_t seed, uint16_t crc)
{
    int16_t k = (int16_t)(seed & 0xff);
    int32_t limit = 0x4000 + (seed & 0xfff);
    for (int i = 0; i < MAT_N * MAT_N; i++)
        mat_a[i] = (int16_t)(mat_a[i] + k);
    mat_scale(k);
    crc = crc_u16(crc, mat_summary(MAT_N * MAT_N, limit));
    mat_times_vector(seed % MAT_N);
    crc = crc_u16(crc, mat_summary(MAT_N, limit));
    mat_times_mat();
    crc = crc_u16(crc, mat_summary(MAT_N * MAT_N, limit));
    mat_bits();
    crc = crc_u16(crc, mat_summary(MAT_N * MAT_N, limit));
    for (int i = 0; i < MAT_N * MAT_N; i++)
        mat_a[i] = (int16_t)(mat_a[i] - k);
    return crc;
}

/* ========================== state machine =========================== */

typedef enum State {
    S_START, S_SIGN, S_INT, S_POINT, S_FRAC, S_EXP, S_EXP_SIGN, S_EXP_INT, S_INVALID,
    N_STATES
} State;

static char text[TEXT_LEN + 1];
static char scratch[TEXT_LEN + 1];

static void append_digits(int *pos, int n)
{
    for (int i = 0; i < n; i++)
        text[(*pos)++] = (char)('0' + lcg() % 10);
}

/* comma-separated numbers: 12, -345, 6.78, 9.1e-2, and some invalid 4x5 */
static void text_init(void)
{
    int pos = 0;
    while (pos < TEXT_LEN - 16) {
        uint32_t kind = lcg() % 5;
        if (lcg() % 3 == 0)
            text[pos++] = lcg() & 1 ? '-' : '+';
        append_digits(&pos, 1 + (int)(lcg() % 4));
        if (kind == 1 || kind == 2) {
            text[pos++] = '.';
            append_digits(&pos, 1 + (int)(lcg() % 3));
        }
        if (kind == 2) {
            text[pos++] = lcg() & 1 ? 'e' : 'E';
            if (lcg() & 1)
                text[pos++] = '-';
            append_digits(&pos, 1 + (int)(lcg() % 2));
        }
        if (kind == 3) {
            text[pos++] = 'x';
            append_digits(&pos, 1);
        }
        text[pos++] = ',';
    }
    text[pos] = 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static State next_state(State s, char c)
{
    switch (s) {
    case S_START:
        return c == '+' || c == '-' ? S_SIGN : is_digit(c) ? S_INT : c == '.' ? S_POINT : S_INVALID;
    case S_SIGN:
        return is_digit(c) ? S_INT : c == '.' ? S_POINT : S_INVALID;
    case S_INT:
        return is_digit(c) ? S_INT : c == '.' ? S_POINT : c == 'e' || c == 'E' ? S_EXP : S_INVALID;
    case S_POINT:
    case S_FRAC:
        return is_digit(c) ? S_FRAC : c == 'e' || c == 'E' ? S_EXP : S_INVALID;
    case S_EXP:
        return c == '+' || c == '-' ? S_EXP_SIGN : is_digit(c) ? S_EXP_INT : S_INVALID;
    case S_EXP_SIGN:
    case S_EXP_INT:
        return is_digit(c) ? S_EXP_INT : S_INVALID;
    default:
        return S_INVALID;
    }
}

/* classifies each comma-separated token by its final state */
static uint16_t scan(const char *p, uint16_t crc)
{
    uint32_t counts[N_STATES] = {0};
    while (*p) {
        State s = S_START;
        uint16_t transitions = 0;
        while (*p && *p != ',') {
            State t = next_state(s, *p++);
            transitions += t != s;
            s = t;
        }
        counts[s]++;
        crc = crc_u16(crc, transitions);
        if (*p == ',')
            p++;
    }
    for (int s = 0; s < N_STATES; s++)
        crc = crc_u32(crc, counts[s]);
    return crc;
}

static uint16_t state_pass(uint16_t seed, uint16_t crc)
{
    static const char noise[] = "0.e-,x9+";
    int stride = 3 + seed % 13;
    crc = scan(text, crc);
    for (int i = 0; i <= TEXT_LEN; i++)
        scratch[i] = text[i];
    for (int i = seed % stride; i < TEXT_LEN && scratch[i]; i += stride)
        scratch[i] = noise[(seed + i) & 7];
    return scan(scratch, crc);
}

int main(void)
{
    Node *list = list_init();
    mat_init();
    text_init();
    uint16_t crc = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        uint16_t seed = (uint16_t)(crc ^ (it * 0x9e37u));
        crc = list_pass(&list, seed, crc);
        crc = mat_pass(seed, crc);
        crc = state_pass(seed, crc);
    }
    printf("cmark: %d iterations, crc 0x%04x\n", ITERATIONS, crc);
    return 0;
}
