/* The pre-wa-inc include path of WAMR's sensor.h. */
#include "wa-inc/sensor.h"
