/* The pre-wa-inc include path of WAMR's connection.h. */
#include "wa-inc/connection.h"
