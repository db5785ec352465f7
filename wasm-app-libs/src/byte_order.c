/* htonl and friends of bh_platform.h: wasm32 is little-endian and network
 * order is big-endian, so each swaps its bytes. A file of its own, so that
 * only apps calling them link them. */
#include "bh_platform.h"

uint32 htonl(uint32 value)
{
    return (value >> 24) | ((value >> 8) & 0xff00u) | ((value << 8) & 0xff0000u)
           | (value << 24);
}

uint32 ntohl(uint32 value)
{
    return htonl(value);
}

uint16 htons(uint16 value)
{
    return (uint16)((value >> 8) | (value << 8));
}

uint16 ntohs(uint16 value)
{
    return htons(value);
}
