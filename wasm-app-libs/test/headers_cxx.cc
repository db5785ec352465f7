// The SDK headers used from C++: every declaration must be extern "C" and
// valid C++ (compile check only, see CMakeLists.txt).
#include "wasm_app.h"

extern "C" void on_init(void)
{
    request_t request[1];

    init_request(request, const_cast<char *>("/x"), COAP_GET, 0, nullptr, 0);
    api_send_request(request, nullptr, nullptr);
    api_timer_cancel(api_timer_create(10, false, true, nullptr));
    sensor_close(sensor_open("s", 0, nullptr, nullptr));
    api_close_connection(api_open_connection("TCP", nullptr, nullptr, nullptr));
}
