/* An app the contract check must reject (see CMakeLists.txt): it imports a
 * misspelled native (the reference's "wasm_timer_destory") and a real one
 * with the wrong type. It links: import attributes make both legal. */
#include "wasm_app.h"

__attribute__((import_module("env"), import_name("wasm_timer_destory")))
void misspelled_destroy(int timer_id);
__attribute__((import_module("env"), import_name("wasm_sub_event")))
int wrong_sub_event(const char *url, int len);

void on_init(void)
{
    misspelled_destroy(1);
    wrong_sub_event("x", 1);
}
