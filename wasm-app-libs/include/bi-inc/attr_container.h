/* WAMR's include path for attr_container.h: the SDK ships the one header of
 * app-framework/shared at include/attr_container.h. */
#include "../attr_container.h"
