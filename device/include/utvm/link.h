/* The device side of utvm's link protocol (docs/link-protocol.md): serves a utvm_model_t over the
 * byte stream behind port.h. The caller gives the receive buffer; its size bounds the largest
 * request frame payload (rx_len - 2 bytes), so a 64-byte buffer suffices. Responses are written
 * straight from the tensors, never buffered. Uses < 512 bytes of static RAM, no heap, no stdio. */
#ifndef UTVM_LINK_H_
#define UTVM_LINK_H_

#include <stddef.h>
#include <stdint.h>

#include "utvm/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serves requests until the link dies. Returns < 0 (UTVM_LINK_E_DEAD_LINK) when the port reports
 * a dead link, or UTVM_LINK_E_BAD_BUFFER when rx_len < UTVM_LINK_MIN_RX_BUFFER. */
int utvm_link_serve(const utvm_model_t* m, uint8_t* rx, size_t rx_len);

#define UTVM_LINK_MIN_RX_BUFFER 16
#define UTVM_LINK_E_DEAD_LINK (-1)
#define UTVM_LINK_E_BAD_BUFFER (-2)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_LINK_H_ */
