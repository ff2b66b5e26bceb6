/* plan.h — from a loaded graph and the shapes of its inputs to a list of steps over one arena.
 *
 * Building a plan: infer every value's dtype and shape in topological order; run nodes whose
 * inputs are all constant right away (constant folding: this is how Shape->Gather->Concat
 * chains turn into constant Reshape targets); keep the rest as steps; then give each
 * intermediate buffer an offset in one arena so buffers whose lifetimes do not overlap share
 * memory. Executing a plan only runs the steps: it allocates nothing. */
#ifndef WISP_PLAN_H
#define WISP_PLAN_H

#include "graph.h"
#include "ops/op.h"

typedef struct {
  const wisp_graph *g;
  /* Per graph input: 1 when its values (not only its shape) shape the plan, because it flows
   * into a port listed in an op's value_inputs (e.g. Reshape's shape fed as a graph input).
   * Such inputs are constants within a plan; new values mean a new plan. */
  uint8_t *value_keyed;
  wisp_tensor *vals;  /* one per graph value: dtype, shape, and data (arena, constant or NULL) */
  uint8_t *is_const;  /* initializer or folded */
  wisp_op_ctx *ctx;   /* one per node, indexed like g->nodes */
  wisp_tensor **ptrs; /* storage for the ctx in/out pointer arrays */
  int n_steps;
  int *steps;       /* node indices to execute, in order */
  wisp_pool folded; /* folded constants of the current plan */
  uint8_t *arena;
  size_t arena_bytes;
} wisp_plan;

/* Allocates per-node state and parses every node's attributes (once, at load). */
wisp_status wisp_plan_init(wisp_plan *p, const wisp_graph *g);
/* (Re)plans for graph inputs of these dtypes and shapes (data read only for value-keyed
 * inputs). */
wisp_status wisp_plan_build(wisp_plan *p, const wisp_tensor *inputs);
/* 1 when `inputs` can run on the current plan: same dtypes, shapes and value-keyed values. */
int wisp_plan_fits(const wisp_plan *p, const wisp_tensor *inputs);
wisp_status wisp_plan_exec(wisp_plan *p);
void wisp_plan_free(wisp_plan *p);

#endif
