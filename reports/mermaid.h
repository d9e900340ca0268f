/* SPDX-License-Identifier: MIT */
/* The monitor's wait-for graph as a Mermaid flowchart, which GitHub and
 * GitLab draw inline in summary.md. Converted from the run's waitfor.dot -
 * the one the monitor wrote, in the small subset of DOT it writes (node and
 * edge statements with label, shape, style and color) - so there is one
 * description of the graph and two pictures of it. */
#ifndef TL_MERMAID_H
#define TL_MERMAID_H

#include <stdbool.h>
#include <stdio.h>

/* Writes the flowchart (without the ``` fence) for `dot`, the text of a
 * waitfor.dot; false when it holds no node. */
bool tl_dot_to_mermaid(const char *dot, FILE *out);

#endif
