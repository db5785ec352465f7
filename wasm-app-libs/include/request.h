/* The pre-wa-inc include path of WAMR's request.h. */
#include "wa-inc/request.h"
