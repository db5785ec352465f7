/* libc-builtin sysroot (wasm32, -nostdlib): ctype.h. Only what the
 * runtime's libc-builtin provides, in the "C" locale: EOF and values above
 * 127 are in no class. */
#ifndef _LB_CTYPE_H
#define _LB_CTYPE_H

#ifdef __cplusplus
extern "C" {
#endif

int isalnum(int c);
int isalpha(int c);
int isdigit(int c);
int isgraph(int c);
int isprint(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int tolower(int c);
int toupper(int c);

#ifdef __cplusplus
}
#endif

#endif
