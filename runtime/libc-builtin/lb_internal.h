/* Shared inside libc-builtin: the bounds-checking helpers every native uses
 * and the natives each file defines for the table in libc_builtin.c.
 * Natives get '*' and '$' arguments as native pointers the invoker already
 * checked (see "Native signatures" in shared/docs/embedding-api.md); every
 * other range they touch they check here first. */
#ifndef WR_LB_INTERNAL_H
#define WR_LB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/wasm_export.h"

#define LB_MSG_OOB "out of bounds memory access"

/* ---- helpers (libc_builtin.c) ---- */
/* Sets "out of bounds memory access" on inst; returns false. */
bool lb_oob(wasm_module_inst_t inst);
/* Whether [p, p + len) lies in inst's linear memory; sets the exception
 * when not. */
bool lb_check(wasm_module_inst_t inst, const void *p, uint64_t len);
/* Bytes from p to the end of linear memory; 0 when p is outside it. */
uint64_t lb_room(wasm_module_inst_t inst, const void *p);
/* The app offset of p, a pointer into linear memory; NULL gives 0. */
uint32_t lb_app(wasm_module_inst_t inst, const void *p);
/* Little-endian stores into linear memory (already checked). */
void lb_store_u32(void *p, uint32_t v);
void lb_store_u64(void *p, uint64_t v);

/* ---- string, memory, conversion and ctype natives (lb_string.c) ---- */
int32_t lb_memcmp(wasm_exec_env_t env, const void *s1, const void *s2, uint32_t n);
uint32_t lb_memcpy(wasm_exec_env_t env, void *dst, const void *src, uint32_t n);
uint32_t lb_memset(wasm_exec_env_t env, void *dst, int32_t c, uint32_t n);
uint32_t lb_memchr(wasm_exec_env_t env, const void *s, int32_t c, uint32_t n);
uint32_t lb_strchr(wasm_exec_env_t env, const char *s, int32_t c);
int32_t lb_strcmp(wasm_exec_env_t env, const char *s1, const char *s2);
uint32_t lb_strcpy(wasm_exec_env_t env, char *dst, const char *src);
uint32_t lb_strlen(wasm_exec_env_t env, const char *s);
int32_t lb_strncmp(wasm_exec_env_t env, const char *s1, const char *s2, uint32_t n);
uint32_t lb_strncpy(wasm_exec_env_t env, char *dst, const char *src, uint32_t n);
int32_t lb_strncasecmp(wasm_exec_env_t env, const char *s1, const char *s2, uint32_t n);
uint32_t lb_strspn(wasm_exec_env_t env, const char *s, const char *accept);
uint32_t lb_strcspn(wasm_exec_env_t env, const char *s, const char *reject);
uint32_t lb_strstr(wasm_exec_env_t env, const char *s, const char *find);
int32_t lb_atoi(wasm_exec_env_t env, const char *s);
int32_t lb_strtol(wasm_exec_env_t env, const char *s, void *endptr, int32_t base);
uint32_t lb_strtoul(wasm_exec_env_t env, const char *s, void *endptr, int32_t base);
int32_t lb_isupper(wasm_exec_env_t env, int32_t c);
int32_t lb_isalpha(wasm_exec_env_t env, int32_t c);
int32_t lb_isspace(wasm_exec_env_t env, int32_t c);
int32_t lb_isgraph(wasm_exec_env_t env, int32_t c);
int32_t lb_isprint(wasm_exec_env_t env, int32_t c);
int32_t lb_isdigit(wasm_exec_env_t env, int32_t c);
int32_t lb_isxdigit(wasm_exec_env_t env, int32_t c);
int32_t lb_isalnum(wasm_exec_env_t env, int32_t c);
int32_t lb_tolower(wasm_exec_env_t env, int32_t c);
int32_t lb_toupper(wasm_exec_env_t env, int32_t c);

/* ---- output natives (lb_printf.c); va is the wasm32 va_list: a pointer
 * to the packed argument buffer ---- */
int32_t lb_printf(wasm_exec_env_t env, const char *fmt, void *va);
int32_t lb_sprintf(wasm_exec_env_t env, char *dst, const char *fmt, void *va);
int32_t lb_snprintf(wasm_exec_env_t env, char *dst, uint32_t size, const char *fmt, void *va);
int32_t lb_puts(wasm_exec_env_t env, const char *s);
int32_t lb_putchar(wasm_exec_env_t env, int32_t c);

#endif
