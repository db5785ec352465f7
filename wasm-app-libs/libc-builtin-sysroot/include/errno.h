/* libc-builtin sysroot (wasm32, -nostdlib): errno.h, minimal. The error
 * numbers C names, with Linux's values. The runtime's functions set no
 * errno, so there is no errno object: code that reads it does not build. */
#ifndef _LB_ERRNO_H
#define _LB_ERRNO_H

#define EINVAL 22
#define EDOM 33
#define ERANGE 34
#define EILSEQ 84

#endif
