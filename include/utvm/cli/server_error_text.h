// A platform server's error as the user reads it. A ServerError's what() is TVM's client text,
// which ends in the server's Python-style traceback ("Traceback (most recent call last):", the
// frames, then "Type: message"). The frames say where in the server the error surfaced: that
// matters to the server's author, not to a user who made a mistake, so they are shown only with
// -v. Other data the server sent (a template's log tail) stays.
#pragma once

#include <string>

#include "utvm/project_api/errors.h"

namespace utvm::cli {

std::string server_error_text(const project_api::ServerError& e, bool verbose);

}  // namespace utvm::cli
