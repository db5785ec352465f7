/* Hostile calls: every pointer-taking native given a range outside linear
 * memory (wild, or running past its end) must end the call with "out of
 * bounds memory access" and write nothing, never crash the host. The last
 * argument names the case; "NOT TRAPPED" after a case means the runtime let
 * it pass. Built with -fno-builtin so each call reaches the runtime's native. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WILD ((char *)0xFFFFFFF0u)

static char buf[256] = "a harmless string";

/* One past the last byte of linear memory. */
static char *mem_end(void)
{
    return (char *)(__builtin_wasm_memory_size(0) * 65536);
}

/* The last 16 bytes of memory without a NUL: a string that never ends. */
static char *unterminated(void)
{
    memset(mem_end() - 16, 'A', 16);
    return mem_end() - 16;
}

static void run(const char *name)
{
    char *end = mem_end();

    if (!strcmp(name, "memset_wild")) memset(WILD, 0, 100);
    else if (!strcmp(name, "memset_past_end")) memset(end - 10, 0, 100);
    else if (!strcmp(name, "memset_huge")) memset(end - 1, 0, 0xFFFFFFFFu);
    else if (!strcmp(name, "memcpy_dst")) memcpy(end - 10, buf, 100);
    else if (!strcmp(name, "memcpy_src")) memcpy(buf, end - 10, 100);
    else if (!strcmp(name, "memmove_dst")) memmove(WILD, buf, 100);
    else if (!strcmp(name, "memcmp_s1")) printf("%d\n", memcmp(end - 10, buf, 100));
    else if (!strcmp(name, "memcmp_s2")) printf("%d\n", memcmp(buf, end - 10, 100));
    else if (!strcmp(name, "memchr_past_end")) printf("%p\n", memchr(end - 10, 'x', 100));
    else if (!strcmp(name, "strcpy_dst")) strcpy(end - 4, "a long string");
    else if (!strcmp(name, "strcpy_src")) strcpy(buf, unterminated());
    else if (!strcmp(name, "strncpy_dst")) strncpy(end - 4, buf, 64);
    else if (!strcmp(name, "strncmp_s1")) printf("%d\n", strncmp(unterminated(), buf, 64));
    else if (!strcmp(name, "strlen_wild")) printf("%zu\n", strlen(WILD));
    else if (!strcmp(name, "strlen_unterminated")) printf("%zu\n", strlen(unterminated()));
    else if (!strcmp(name, "strchr_wild")) printf("%p\n", strchr(WILD, 'a'));
    else if (!strcmp(name, "strcmp_wild")) printf("%d\n", strcmp(buf, WILD));
    else if (!strcmp(name, "strstr_wild")) printf("%p\n", strstr(WILD, "a"));
    else if (!strcmp(name, "strspn_wild")) printf("%zu\n", strspn(buf, WILD));
    else if (!strcmp(name, "strcspn_wild")) printf("%zu\n", strcspn(WILD, "a"));
    else if (!strcmp(name, "strncasecmp_wild")) printf("%d\n", strncasecmp(WILD, buf, 4));
    else if (!strcmp(name, "strdup_wild")) printf("%p\n", (void *)strdup(WILD));
    else if (!strcmp(name, "atoi_wild")) printf("%d\n", atoi(WILD));
    else if (!strcmp(name, "strtol_wild")) printf("%ld\n", strtol(WILD, NULL, 10));
    else if (!strcmp(name, "strtol_endptr")) printf("%ld\n", strtol("12", (char **)(end - 2), 10));
    else if (!strcmp(name, "strtoul_endptr")) printf("%lu\n", strtoul("12", (char **)WILD, 10));
    else if (!strcmp(name, "free_wild")) free(WILD);
    else if (!strcmp(name, "puts_wild")) puts(WILD);
    else if (!strcmp(name, "printf_fmt_wild")) printf(WILD, 1);
    else if (!strcmp(name, "printf_bad_s")) printf("[%s]\n", WILD);
    else if (!strcmp(name, "printf_unterminated_s")) printf("[%s]\n", unterminated());
    else if (!strcmp(name, "printf_prec_s_past_end")) printf("[%.100s]\n", unterminated());
    else if (!strcmp(name, "sprintf_dst")) sprintf(end - 4, "%d%d", 123456, 789);
    else if (!strcmp(name, "sprintf_bad_s")) sprintf(buf, "[%s]", WILD);
    else if (!strcmp(name, "snprintf_size")) snprintf(end - 4, 100, "x");
    else if (!strcmp(name, "snprintf_bad_s")) snprintf(buf, sizeof buf, "[%s]", WILD);
    else if (!strcmp(name, "clock_gettime_past_end"))
        clock_gettime(CLOCK_MONOTONIC, (struct timespec *)(end - 8));
    else {
        printf("unknown case %s\n", name);
        return;
    }
    printf("NOT TRAPPED\n");
}

/* The v forms with a va_list pointing where no arguments can be. */
static void run_va(const char *name, ...)
{
    va_list ap;
    char *end = mem_end();

    va_start(ap, name);
    if (!strcmp(name, "vprintf_va_wild")) vprintf("%d\n", (va_list)WILD);
    else if (!strcmp(name, "vprintf_va_past_end")) vprintf("%d %d\n", (va_list)(end - 4));
    else if (!strcmp(name, "vprintf_double_past_end")) vprintf("%f\n", (va_list)(end - 4));
    else if (!strcmp(name, "vprintf_ll_past_end")) vprintf("%lld\n", (va_list)(end - 4));
    else if (!strcmp(name, "vprintf_ldouble_past_end")) vprintf("%Lf\n", (va_list)(end - 16 + 4));
    else if (!strcmp(name, "vsnprintf_va_past_end"))
        vsnprintf(buf, sizeof buf, "%s %d %d", (va_list)(end - 4));
    else {
        va_end(ap);
        run(name);
        return;
    }
    va_end(ap);
    printf("NOT TRAPPED\n");
}

int main(int argc, char **argv)
{
    if (argc < 1) {
        printf("usage: lb_hostile CASE\n");
        return 1;
    }
    run_va(argv[argc - 1]); /* the last: iwasm may pass the module as argv[0] */
    return 0;
}
