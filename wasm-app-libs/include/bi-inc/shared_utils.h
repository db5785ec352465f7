/* WAMR's include path for shared_utils.h (request_t, response_t, packing,
 * URL helpers): the SDK ships it at include/shared_utils.h. */
#include "../shared_utils.h"
