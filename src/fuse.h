/* fuse.h — load-time graph rewrites (see fuse.c). */
#ifndef WISP_FUSE_H
#define WISP_FUSE_H

#include "graph.h"

/* Rewrites g in place and re-sorts it. g must already be sorted (valid). */
wisp_status wisp_graph_fuse(wisp_graph *g);

#endif
