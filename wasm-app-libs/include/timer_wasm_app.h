/* The pre-wa-inc include path of WAMR's timer_wasm_app.h. */
#include "wa-inc/timer_wasm_app.h"
