#pragma once
// The HTML page of a gpuxfer.fleet document: a node x metric heatmap (each cell the node's worst
// GPU or link on that metric, coloured by how far it lies from the fleet median on the worse
// side), then the findings of every node that is not ok and the files that could not be read.
#include <string>

#include "core/report_json.hpp"

namespace gx::report {

// True when the parsed document names itself a gpuxfer.fleet document.
[[nodiscard]] bool is_fleet_document(const Json& doc);

// One self-contained HTML page. Throws gx::InputError on a fleet document whose shape is not
// gpuxfer.fleet 1.x (a missing or mistyped member), naming `path`.
[[nodiscard]] std::string render_fleet_heatmap(const Json& doc, const std::string& path, const std::string& title);

}  // namespace gx::report
