# Source lists of app-framework/shared for whoever builds it (the host library
# below, the wasm32 app library, a device port). Pick exactly one default-hooks
# variant: APP_SHARED_LIBC_SOURCE where a C library exists, else
# APP_SHARED_NONE_SOURCE (then install hooks, see app_shared.h).
set(APP_SHARED_DIR ${CMAKE_CURRENT_LIST_DIR})
set(APP_SHARED_CORE_SOURCES
    ${APP_SHARED_DIR}/app_shared.c
    ${APP_SHARED_DIR}/attr_container.c
    ${APP_SHARED_DIR}/shared_utils.c)
set(APP_SHARED_LIBC_SOURCE ${APP_SHARED_DIR}/app_shared_libc.c)
set(APP_SHARED_NONE_SOURCE ${APP_SHARED_DIR}/app_shared_none.c)
set(APP_SHARED_PUBLIC_HEADERS
    ${APP_SHARED_DIR}/app_shared.h
    ${APP_SHARED_DIR}/attr_container.h
    ${APP_SHARED_DIR}/shared_utils.h)
