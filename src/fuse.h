/* fuse.h — load-time graph rewrites (src/fuse/: one file per pattern, the table in table.c). */
#ifndef WISP_FUSE_H
#define WISP_FUSE_H

#include "graph.h"

/* Rewrites g in place and re-sorts it. g must already be sorted (valid). */
wisp_status wisp_graph_fuse(wisp_graph *g);

#endif
