/* The device side of utvm's link protocol (docs/link-protocol.md): serves utvm_model_t modules over
 * the byte stream behind port.h. The caller gives the receive buffer; its size bounds the largest
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

/* Serves the firmware's modules (models[0..num_models), usually utvm_models / utvm_num_models)
 * until the link dies; HELLO selects the module the other requests address (module 0 at first).
 * Returns UTVM_LINK_E_DEAD_LINK when the port reports a dead link, UTVM_LINK_E_BAD_BUFFER when
 * rx_len < UTVM_LINK_MIN_RX_BUFFER, UTVM_LINK_E_BAD_MODELS for no models (models NULL or
 * num_models 0) or more than UTVM_LINK_MAX_MODELS; every models[i] must be non-NULL. */
int utvm_link_serve(const utvm_model_t* const* models, uint16_t num_models, uint8_t* rx,
                    size_t rx_len);

#define UTVM_LINK_MIN_RX_BUFFER 16
#define UTVM_LINK_MAX_MODELS 255
#define UTVM_LINK_E_DEAD_LINK (-1)
#define UTVM_LINK_E_BAD_BUFFER (-2)
#define UTVM_LINK_E_BAD_MODELS (-3)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_LINK_H_ */
