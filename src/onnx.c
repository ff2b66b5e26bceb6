/* onnx.c — ONNX ModelProto -> wisp_graph. See onnx.h for the fields read. */
#include "onnx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"
#include "pb.h"

#define MAX_OPSETS 16
#define MAX_MISSING 24
/* Subgraphs within subgraphs: a deeper model is refused, so nesting cannot exhaust the stack
 * (loading, planning and running each recurse once per level). */
#define MAX_GRAPH_DEPTH 16

typedef struct {
  const wisp_options *opts;
  /* set by wisp_model_external_files: report external locations instead of reading them */
  void (*list_fn)(void *user, const char *location, uint64_t end);
  void *list_user;
  wisp_graph *g;
  wisp_pool *pool;
  /* name -> value id, open addressing; grown as values appear */
  int *slots;
  size_t n_slots;
  int cap_values;
  int depth; /* 0 for the model's graph, 1 for its nodes' subgraphs, … */
  int n_opsets;
  const char *opset_domain[MAX_OPSETS];
  int64_t opset_version[MAX_OPSETS];
  /* ops the table lacks (or lacks at the model's opset), counted, so that one error names all */
  int n_missing;
  struct {
    const char *domain, *op_type, *first_node;
    int nodes, since, until; /* until == 0: unknown op; -1: in wisp_extra.wasm, not loaded;
                              * else the versions wisp implements */
    int64_t opset;
  } missing[MAX_MISSING];
} loader;

/* Iterates the fields of a message, returning from the enclosing function on a malformed one:
 *   for (FIELDS(r, f, more)) { ... }   (a GNU statement expression: gcc and clang) */
#define FOR_FIELDS(r, f, more) \
  for (int more = 1; more && ({ \
                       wisp_status s_ = pb_next(&(r), &(f), &more); \
                       if (s_ != WISP_OK) return s_; \
                       more; \
                     });)

static wisp_status expect_wire(const pb_field *f, int wire, const char *what) {
  WISP_CHECK(f->wire == wire, WISP_ERR_INVALID_MODEL, "onnx: field %s has the wrong wire type",
             what);
  return WISP_OK;
}

static wisp_status dup_string(loader *L, const pb_field *f, const char **out, const char *what) {
  WISP_TRY(expect_wire(f, PB_LEN, what));
  char *s = wisp_pool_strndup(L->pool, (const char *)f->data, f->len);
  WISP_CHECK(s, WISP_ERR_NO_MEMORY, "out of memory");
  *out = s;
  return WISP_OK;
}

/* ---- tensors ---------------------------------------------------------------------------- */

typedef struct {
  const char *location;
  int64_t offset, length;
} external_ref;

/* A decimal count from external_data; -2 when it is not one (negative, empty, junk, too big). */
static int64_t parse_count(const char *s) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  return *s && !*end && !errno && v >= 0 ? v : -2;
}

static wisp_status read_external(const loader *L, const external_ref *ext, void *dst, size_t bytes,
                                 const char *name) {
  WISP_CHECK(ext->location, WISP_ERR_INVALID_MODEL,
             "onnx: tensor '%s' has external data without a location", name);
  const wisp_options *opts = L ? L->opts : NULL;
  WISP_CHECK(ext->offset >= 0, WISP_ERR_INVALID_MODEL,
             "onnx: tensor '%s' external data offset %lld is negative or not a number", name,
             (long long)ext->offset);
  WISP_CHECK(ext->length != -2, WISP_ERR_INVALID_MODEL,
             "onnx: tensor '%s' external data length is negative or not a number", name);
  WISP_CHECK(ext->length == -1 || (uint64_t)ext->length == bytes, WISP_ERR_INVALID_MODEL,
             "onnx: tensor '%s' external data length %lld, expected %zu", name,
             (long long)ext->length, bytes);
  if (L && L->list_fn) { /* offset < 2^63 and bytes ≤ 2 GB: no overflow */
    L->list_fn(L->list_user, ext->location, (uint64_t)ext->offset + bytes);
    return WISP_OK;
  }
  for (int i = 0; opts && i < opts->n_external_files; i++) {
    const wisp_external_file *f = &opts->external_files[i];
    if (strcmp(f->location, ext->location) != 0) continue;
    WISP_CHECK((uint64_t)ext->offset <= f->len && bytes <= f->len - (size_t)ext->offset,
               WISP_ERR_INVALID_MODEL, "onnx: tensor '%s' reads past the end of external file '%s'",
               name, ext->location);
    memcpy(dst, (const char *)f->data + ext->offset, bytes);
    return WISP_OK;
  }
#ifndef __EMSCRIPTEN__
  if (opts && opts->external_dir) {
    /* Only plain relative paths: a model must not read arbitrary files. */
    WISP_CHECK(ext->location[0] != '/' && !strstr(ext->location, ".."), WISP_ERR_INVALID_MODEL,
               "onnx: external data location '%s' is not a relative path inside the model folder",
               ext->location);
    char path[4096];
    wisp_snprintf(path, sizeof path, "%s/%s", opts->external_dir, ext->location);
    FILE *fp = fopen(path, "rb");
    WISP_CHECK(fp, WISP_ERR_INVALID_ARG, "onnx: cannot open external data file '%s'", path);
    int ok = fseek(fp, (long)ext->offset, SEEK_SET) == 0 && fread(dst, 1, bytes, fp) == bytes;
    fclose(fp);
    WISP_CHECK(ok, WISP_ERR_INVALID_MODEL, "onnx: external data file '%s' is too short", path);
    return WISP_OK;
  }
#endif
  return wisp_fail(WISP_ERR_INVALID_ARG, "onnx: missing external data file '%s' (tensor '%s')",
                   ext->location, name);
}

/* Element count of one occurrence of a typed data field: float_data (4) is fixed32,
 * double_data (10) fixed64, the others varints. */
static wisp_status count_typed(const pb_field *f, size_t *n) {
  if (f->number == 4) return pb_count_fixed32(f, n);
  if (f->number == 10) return pb_count_fixed64(f, n);
  return pb_count_varints(f, n);
}

/* A string tensor: TensorProto.string_data (field 6), one bytes field per element. Elements
 * become NUL-terminated copies in the pool (all in one block), pointed to by t->data. */
static wisp_status read_strings(const uint8_t *bytes, size_t len, wisp_pool *pool, wisp_tensor *t,
                                const char *name, int raw_or_external) {
  WISP_CHECK(!raw_or_external, WISP_ERR_INVALID_MODEL,
             "onnx: string tensor '%s' must keep its strings in string_data", name);
  WISP_TRY(wisp_shape_check(&t->shape, name));
  int64_t numel = wisp_shape_numel(&t->shape);
  uint64_t count = 0, chars = 0;
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    if (f.number != 6) continue;
    WISP_TRY(expect_wire(&f, PB_LEN, "TensorProto.string_data"));
    count++, chars += f.len + 1; /* both bounded by len: no overflow */
  }
  WISP_CHECK(count == (uint64_t)numel, WISP_ERR_INVALID_MODEL,
             "onnx: string tensor '%s' has %llu strings, shape needs %lld", name,
             (unsigned long long)count, (long long)numel);
  WISP_CHECK((uint64_t)numel * sizeof(char *) <= WISP_MAX_TENSOR_BYTES, WISP_ERR_INVALID_ARG,
             "onnx: string tensor '%s' is too large", name);
  const char **ptrs = wisp_pool_alloc(pool, (size_t)numel * sizeof *ptrs);
  char *text = wisp_pool_alloc(pool, (size_t)chars);
  WISP_CHECK(ptrs && text, WISP_ERR_NO_MEMORY, "out of memory for tensor '%s'", name);
  int64_t i = 0;
  r = pb_reader_init(bytes, len);
  FOR_FIELDS(r, f, more) {
    if (f.number != 6) continue;
    memcpy(text, f.data, f.len);
    text[f.len] = '\0';
    ptrs[i++] = text;
    text += f.len + 1;
  }
  t->data = (void *)ptrs;
  return WISP_OK;
}

/* Alignment of initializer data used in place: enough for every element type and for v128. */
#define IN_PLACE_ALIGN 16

/* in_place: `bytes` is a graph initializer inside the graph's own model buffer (onnx.h), so its
 * raw_data may be used where it lies instead of copied. */
/* A string in the model, which Cast may convert to or from numbers: the WebAssembly build does
 * that in wisp_extra.wasm, and looking the converter up says so (wisp_op_extra_wanted). */
static void note_strings(void) { (void)wisp_op_find("wisp", "CastString"); }

static wisp_status read_tensor(const uint8_t *bytes, size_t len, wisp_pool *pool, const loader *L,
                               wisp_tensor *t, const char **name_out, int in_place) {
  memset(t, 0, sizeof *t);
  const char *name = "";
  const uint8_t *raw = NULL;
  size_t raw_len = 0;
  int has_raw = 0, external = 0;
  external_ref ext = {NULL, 0, -1};
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    switch (f.number) {
      case 1: { /* dims */
        size_t n;
        WISP_TRY(pb_count_varints(&f, &n));
        WISP_CHECK(t->shape.ndim + n <= WISP_MAX_DIMS, WISP_ERR_UNSUPPORTED,
                   "onnx: tensor rank over %d", WISP_MAX_DIMS);
        WISP_TRY(pb_read_varints(&f, t->shape.dims + t->shape.ndim, n));
        t->shape.ndim += (int)n;
        break;
      }
      case 2: t->dtype = (wisp_dtype)f.u; break;
      case 8: {
        WISP_TRY(expect_wire(&f, PB_LEN, "TensorProto.name"));
        char *s = wisp_pool_strndup(pool, (const char *)f.data, f.len);
        WISP_CHECK(s, WISP_ERR_NO_MEMORY, "out of memory");
        name = s;
        break;
      }
      case 9:
        WISP_TRY(expect_wire(&f, PB_LEN, "TensorProto.raw_data"));
        raw = f.data, raw_len = f.len, has_raw = 1;
        break;
      case 13: { /* external_data: StringStringEntryProto */
        const uint8_t *k = NULL, *v = NULL;
        size_t kl = 0, vl = 0;
        pb_reader er = pb_reader_init(f.data, f.len);
        pb_field ef;
        WISP_TRY(expect_wire(&f, PB_LEN, "TensorProto.external_data"));
        FOR_FIELDS(er, ef, emore) {
          if (ef.wire != PB_LEN) continue;
          if (ef.number == 1) k = ef.data, kl = ef.len;
          if (ef.number == 2) v = ef.data, vl = ef.len;
        }
        if (!k || !v) break;
        char *val = wisp_pool_strndup(pool, (const char *)v, vl);
        WISP_CHECK(val, WISP_ERR_NO_MEMORY, "out of memory");
        if (kl == 8 && !memcmp(k, "location", 8)) ext.location = val;
        else if (kl == 6 && !memcmp(k, "offset", 6)) ext.offset = parse_count(val);
        else if (kl == 6 && !memcmp(k, "length", 6)) ext.length = parse_count(val);
        break;
      }
      case 14: external = f.u == 1; break;
      default: break;
    }
  }
  if (name_out) *name_out = name;
  if (t->dtype == WISP_DT_STRING) {
    note_strings();
    return read_strings(bytes, len, pool, t, name, has_raw || external);
  }
  size_t esize = wisp_dtype_size(t->dtype);
  WISP_CHECK(esize, WISP_ERR_UNSUPPORTED, "onnx: tensor '%s' has unsupported dtype %s (%d)", name,
             wisp_dtype_name(t->dtype), (int)t->dtype);
  WISP_TRY(wisp_shape_check(&t->shape, name));
  int64_t numel = wisp_shape_numel(&t->shape);
  uint64_t bytes64 = wisp_shape_bytes(&t->shape, esize);
  WISP_CHECK(bytes64 <= WISP_MAX_TENSOR_BYTES, WISP_ERR_INVALID_ARG,
             "onnx: tensor '%s' is over 2 GB", name);
  size_t bytes_needed = (size_t)bytes64;
  /* Typed fields: may be packed or repeated; counted first so a lying shape allocates nothing. */
  int field_for_type;
  switch (t->dtype) {
    case WISP_DT_FLOAT: field_for_type = 4; break;
    case WISP_DT_INT64: field_for_type = 7; break;
    case WISP_DT_DOUBLE: field_for_type = 10; break;
    case WISP_DT_UINT32:
    case WISP_DT_UINT64: field_for_type = 11; break;
    default: field_for_type = 5; break; /* int32, int16, int8, uint16, uint8, bool, float16 */
  }
  if (has_raw) {
    WISP_CHECK(raw_len == bytes_needed, WISP_ERR_INVALID_MODEL,
               "onnx: tensor '%s' raw_data has %zu bytes, shape needs %zu", name, raw_len,
               bytes_needed);
  } else if (!external) {
    uint64_t total = 0;
    r = pb_reader_init(bytes, len);
    FOR_FIELDS(r, f, more) {
      if ((int)f.number != field_for_type) continue;
      size_t n;
      WISP_TRY(count_typed(&f, &n));
      total += n;
    }
    WISP_CHECK(total == (uint64_t)numel, WISP_ERR_INVALID_MODEL,
               "onnx: tensor '%s' has %llu values, shape needs %lld", name,
               (unsigned long long)total, (long long)numel);
  }
  if (L && L->list_fn) { /* listing external files: every check above, but no copy of the data */
    static const uint8_t not_read;
    t->data = (void *)&not_read; /* non-NULL: the value is still an initializer */
    return external ? read_external(L, &ext, NULL, bytes_needed, name) : WISP_OK;
  }
  if (has_raw && in_place) {
    /* Move the data back to an aligned address over this TensorProto's own fields, all parsed
     * (and copied) by now: nothing reads those bytes again. No room: copied below. */
    uint8_t *at = (uint8_t *)((uintptr_t)raw & ~(uintptr_t)(IN_PLACE_ALIGN - 1));
    if (at >= bytes) {
      memmove(at, raw, raw_len);
      t->data = at;
      return WISP_OK;
    }
  }
  t->data = wisp_pool_alloc_uninit(pool, bytes_needed); /* every byte is written below */
  WISP_CHECK(t->data, WISP_ERR_NO_MEMORY, "out of memory for tensor '%s'", name);
  if (external) return read_external(L, &ext, t->data, bytes_needed, name);
  if (has_raw) {
    memcpy(t->data, raw, raw_len); /* wasm and x86 are little-endian like the format */
    return WISP_OK;
  }
  int64_t at = 0;
  r = pb_reader_init(bytes, len);
  FOR_FIELDS(r, f, more) {
    if ((int)f.number != field_for_type) continue;
    size_t n;
    WISP_TRY(count_typed(&f, &n));
    if (field_for_type == 4) {
      pb_read_fixed32(&f, (uint32_t *)t->data + at, n);
    } else if (field_for_type == 10) {
      pb_read_fixed64(&f, (uint64_t *)t->data + at, n);
    } else {
      int64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
      WISP_CHECK(tmp, WISP_ERR_NO_MEMORY, "out of memory");
      wisp_status s = pb_read_varints(&f, tmp, n);
      for (size_t i = 0; s == WISP_OK && i < n; i++) {
        char *dst = (char *)t->data + (size_t)(at + (int64_t)i) * esize;
        int64_t v = tmp[i];
        switch (esize) {
          case 1: *(uint8_t *)dst = (uint8_t)v; break;
          case 2: *(uint16_t *)dst = (uint16_t)v; break;
          case 4: *(uint32_t *)dst = (uint32_t)v; break;
          default: *(int64_t *)dst = v; break;
        }
      }
      free(tmp);
      WISP_TRY(s);
    }
    at += (int64_t)n;
  }
  return WISP_OK;
}

wisp_status wisp_onnx_read_tensor(const void *bytes, size_t len, wisp_pool *pool, wisp_tensor *out,
                                  const char **name) {
  return read_tensor(bytes, len, pool, NULL, out, name, 0);
}

/* ---- values (name -> id) ---------------------------------------------------------------- */

static uint32_t hash_name(const char *s) {
  uint32_t h = 2166136261u;
  while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
  return h;
}

static wisp_status grow_values(loader *L) {
  wisp_graph *g = L->g;
  int cap = L->cap_values ? L->cap_values * 2 : 64;
  wisp_value *v = realloc(g->values, (size_t)cap * sizeof *v);
  WISP_CHECK(v, WISP_ERR_NO_MEMORY, "out of memory");
  g->values = v;
  L->cap_values = cap;
  size_t n_slots = (size_t)cap * 2;
  int *slots = malloc(n_slots * sizeof *slots);
  WISP_CHECK(slots, WISP_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; i < n_slots; i++) slots[i] = -1;
  for (int id = 0; id < g->n_values; id++) {
    size_t h = hash_name(g->values[id].name) & (n_slots - 1);
    while (slots[h] >= 0) h = (h + 1) & (n_slots - 1);
    slots[h] = id;
  }
  free(L->slots);
  L->slots = slots;
  L->n_slots = n_slots;
  return WISP_OK;
}

/* Finds the value called `name`, creating it when `create` is set; *id = -1 if absent. */
static wisp_status value_id(loader *L, const char *name, int create, int *id) {
  wisp_graph *g = L->g;
  if (!L->slots || g->n_values >= L->cap_values) WISP_TRY(grow_values(L));
  size_t h = hash_name(name) & (L->n_slots - 1);
  while (L->slots[h] >= 0) {
    if (strcmp(g->values[L->slots[h]].name, name) == 0) {
      *id = L->slots[h];
      return WISP_OK;
    }
    h = (h + 1) & (L->n_slots - 1);
  }
  if (!create) {
    *id = -1;
    return WISP_OK;
  }
  wisp_value *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  v->name = name;
  L->slots[h] = *id = g->n_values++;
  return WISP_OK;
}

/* A value no name refers to (an output the model leaves unnamed). */
static wisp_status anonymous_value(loader *L, int *id) {
  wisp_graph *g = L->g;
  if (!L->slots || g->n_values >= L->cap_values) WISP_TRY(grow_values(L));
  memset(&g->values[g->n_values], 0, sizeof *g->values);
  g->values[g->n_values].name = "";
  *id = g->n_values++;
  return WISP_OK;
}

/* ---- value infos, attributes, nodes ----------------------------------------------------- */

/* TypeProto.Sequence { elem_type(1): TypeProto { map_type(5) } } */
static int is_sequence_of_maps(const uint8_t *bytes, size_t len) {
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  int more = 1, found = 0;
  while (more && pb_next(&r, &f, &more) == WISP_OK && more) {
    if (f.number != 1 || f.wire != PB_LEN) continue;
    pb_reader e = pb_reader_init(f.data, f.len);
    pb_field g;
    int emore = 1;
    while (emore && pb_next(&e, &g, &emore) == WISP_OK && emore)
      if (g.number == 5 && g.wire == PB_LEN) found = 1;
  }
  return found;
}

static wisp_status read_value_info(loader *L, const uint8_t *bytes, size_t len, int *id_out,
                                   int is_input) {
  const char *name = NULL;
  const uint8_t *type = NULL;
  size_t type_len = 0;
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    if (f.number == 1) WISP_TRY(dup_string(L, &f, &name, "ValueInfoProto.name"));
    if (f.number == 2 && f.wire == PB_LEN) type = f.data, type_len = f.len;
  }
  WISP_CHECK(name && *name, WISP_ERR_INVALID_MODEL, "onnx: graph input/output without a name");
  int id;
  WISP_TRY(value_id(L, name, 1, &id));
  *id_out = id;
  wisp_value *v = &L->g->values[id];
  /* an initializer listed as an input or output keeps the dtype and shape of its data (an input
   * stays constant) */
  if (v->init_data) return WISP_OK;

  /* TypeProto.tensor_type(1) { elem_type(1), shape(2) { dim(1) { dim_value(1) | dim_param(2) } } } */
  pb_reader tr = pb_reader_init(type, type_len);
  FOR_FIELDS(tr, f, more) {
    if (f.number != 1) {
      /* A graph output that is a sequence of maps is what ZipMap (ai.onnx.ml) makes: wisp
       * returns it as the score tensor plus its keys (wisp_session_output_map_keys). */
      if (f.number == 4 && !is_input && f.wire == PB_LEN && is_sequence_of_maps(f.data, f.len))
        continue;
      if (f.number == 4 || f.number == 5 || f.number == 8 || f.number == 9)
        return wisp_fail(WISP_ERR_UNSUPPORTED,
                         "onnx: graph value '%s' is not a tensor (sequence/map/optional types are "
                         "not supported)",
                         name);
      continue;
    }
    WISP_TRY(expect_wire(&f, PB_LEN, "TypeProto.tensor_type"));
    pb_reader tt = pb_reader_init(f.data, f.len);
    pb_field g;
    FOR_FIELDS(tt, g, gmore) {
      if (g.number == 1 && (v->dtype = (wisp_dtype)g.u) == WISP_DT_STRING) note_strings();
      if (g.number != 2) continue;
      WISP_TRY(expect_wire(&g, PB_LEN, "TensorShapeProto"));
      v->has_shape = 1;
      v->shape.ndim = 0;
      pb_reader sr = pb_reader_init(g.data, g.len);
      pb_field d;
      FOR_FIELDS(sr, d, dmore) {
        if (d.number != 1) continue;
        WISP_TRY(expect_wire(&d, PB_LEN, "TensorShapeProto.dim"));
        WISP_CHECK(v->shape.ndim < WISP_MAX_DIMS, WISP_ERR_UNSUPPORTED,
                   "onnx: '%s' has rank over %d", name, WISP_MAX_DIMS);
        int k = v->shape.ndim++;
        v->shape.dims[k] = -1;
        v->dim_params[k] = NULL;
        pb_reader dr = pb_reader_init(d.data, d.len);
        pb_field e;
        FOR_FIELDS(dr, e, emore) {
          if (e.number == 1 && e.wire == PB_VARINT && (int64_t)e.u >= 0)
            v->shape.dims[k] = (int64_t)e.u;
          if (e.number == 2) WISP_TRY(dup_string(L, &e, &v->dim_params[k], "dim_param"));
        }
      }
    }
  }
  return WISP_OK;
}

static wisp_status read_graph(loader *L, const uint8_t *bytes, size_t len);

/* A GRAPH attribute becomes its own wisp_graph (allocated, like its nodes, in the model's pool);
 * the ops it lacks join the model's list of missing ops. */
static wisp_status read_subgraph(loader *L, const uint8_t *bytes, size_t len, wisp_graph **out) {
  WISP_CHECK(L->depth < MAX_GRAPH_DEPTH, WISP_ERR_UNSUPPORTED,
             "onnx: subgraphs nested more than %d deep", MAX_GRAPH_DEPTH);
  wisp_graph *g = wisp_pool_alloc(L->pool, sizeof *g);
  WISP_CHECK(g, WISP_ERR_NO_MEMORY, "out of memory");
  *out = g; /* before reading: freed with the enclosing graph even when reading fails */
  loader S = *L;
  S.g = g;
  S.slots = NULL, S.n_slots = 0, S.cap_values = 0;
  S.depth = L->depth + 1;
  wisp_status s = read_graph(&S, bytes, len);
  free(S.slots);
  L->n_missing = S.n_missing;
  memcpy(L->missing, S.missing, sizeof L->missing);
  return s;
}

static wisp_status read_attribute(loader *L, const uint8_t *bytes, size_t len, wisp_attr *a) {
  memset(a, 0, sizeof *a);
  int seen_kind = WISP_ATTR_UNDEFINED;
  /* first pass: scalars and list sizes */
  size_t n_floats = 0, n_ints = 0, n_strings = 0, n_tensors = 0;
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    size_t n;
    switch (f.number) {
      case 1: WISP_TRY(dup_string(L, &f, &a->name, "AttributeProto.name")); break;
      case 20: a->type = (wisp_attr_type)f.u; break;
      case 2: {
        uint32_t bits = (uint32_t)f.u;
        memcpy(&a->f, &bits, 4);
        seen_kind = WISP_ATTR_FLOAT;
        break;
      }
      case 3:
        a->i = (int64_t)f.u;
        seen_kind = WISP_ATTR_INT;
        break;
      case 4:
        WISP_TRY(dup_string(L, &f, &a->s.data, "AttributeProto.s"));
        a->s.len = f.len;
        seen_kind = WISP_ATTR_STRING;
        break;
      case 5:
        WISP_TRY(expect_wire(&f, PB_LEN, "AttributeProto.t"));
        a->t = wisp_pool_alloc(L->pool, sizeof *a->t);
        WISP_CHECK(a->t, WISP_ERR_NO_MEMORY, "out of memory");
        WISP_TRY(read_tensor(f.data, f.len, L->pool, L, a->t, NULL, 0));
        seen_kind = WISP_ATTR_TENSOR;
        break;
      case 6:
        WISP_TRY(expect_wire(&f, PB_LEN, "AttributeProto.g"));
        WISP_CHECK(!a->g, WISP_ERR_INVALID_MODEL, "onnx: attribute with two graphs");
        WISP_TRY(read_subgraph(L, f.data, f.len, &a->g));
        seen_kind = WISP_ATTR_GRAPH;
        break;
      case 7:
        WISP_TRY(pb_count_fixed32(&f, &n));
        n_floats += n;
        seen_kind = WISP_ATTR_FLOATS;
        break;
      case 8:
        WISP_TRY(pb_count_varints(&f, &n));
        n_ints += n;
        seen_kind = WISP_ATTR_INTS;
        break;
      case 9:
        n_strings++;
        seen_kind = WISP_ATTR_STRINGS;
        break;
      case 10:
        n_tensors++;
        seen_kind = WISP_ATTR_TENSORS;
        break;
      case 11: seen_kind = WISP_ATTR_GRAPHS; break;
      default: break;
    }
  }
  WISP_CHECK(a->name, WISP_ERR_INVALID_MODEL, "onnx: attribute without a name");
  if (a->type == WISP_ATTR_UNDEFINED) a->type = (wisp_attr_type)seen_kind; /* pre-IR-2 models */
  if (a->type == WISP_ATTR_STRING && !a->s.data) a->s.data = ""; /* proto default: empty */
  size_t total = n_floats + n_ints + n_strings + n_tensors;
  WISP_CHECK(total <= (size_t)len, WISP_ERR_INVALID_MODEL, "onnx: bad attribute '%s'", a->name);
  if (!total) return WISP_OK;
  a->floats = wisp_pool_alloc(L->pool, n_floats * sizeof(float));
  a->ints = wisp_pool_alloc(L->pool, n_ints * sizeof(int64_t));
  a->strings = wisp_pool_alloc(L->pool, n_strings * sizeof(wisp_bytes));
  a->tensors = wisp_pool_alloc(L->pool, n_tensors * sizeof(wisp_tensor));
  WISP_CHECK(a->floats && a->ints && a->strings && a->tensors, WISP_ERR_NO_MEMORY, "out of memory");
  size_t nf = 0, ni = 0, ns = 0, nt = 0;
  r = pb_reader_init(bytes, len);
  FOR_FIELDS(r, f, more) {
    size_t n;
    if (f.number == 7) {
      WISP_TRY(pb_count_fixed32(&f, &n));
      pb_read_fixed32(&f, (uint32_t *)a->floats + nf, n);
      nf += n;
    } else if (f.number == 8) {
      WISP_TRY(pb_count_varints(&f, &n));
      WISP_TRY(pb_read_varints(&f, a->ints + ni, n));
      ni += n;
    } else if (f.number == 9) {
      WISP_TRY(dup_string(L, &f, &a->strings[ns].data, "AttributeProto.strings"));
      a->strings[ns++].len = f.len;
    } else if (f.number == 10) {
      WISP_TRY(expect_wire(&f, PB_LEN, "AttributeProto.tensors"));
      WISP_TRY(read_tensor(f.data, f.len, L->pool, L, &a->tensors[nt++], NULL, 0));
    }
  }
  switch (a->type) {
    case WISP_ATTR_FLOATS: a->count = (int)nf; break;
    case WISP_ATTR_INTS: a->count = (int)ni; break;
    case WISP_ATTR_STRINGS: a->count = (int)ns; break;
    case WISP_ATTR_TENSORS: a->count = (int)nt; break;
    default: break;
  }
  return WISP_OK;
}

static int64_t opset_for(const loader *L, const char *domain) {
  for (int i = 0; i < L->n_opsets; i++) {
    const char *d = L->opset_domain[i];
    if (strcmp(d, domain) == 0 || (!*domain && strcmp(d, "ai.onnx") == 0))
      return L->opset_version[i];
  }
  return -1;
}

static void note_missing(loader *L, const wisp_node *n, int since, int until);

/* The outer values the node's subgraphs read become its last inputs (wisp_node.n_captured), so
 * ordering, lifetimes and constant folding see them like any other input. */
static wisp_status add_captured_inputs(loader *L, wisp_node *n) {
  int extra = 0;
  for (int j = 0; j < n->n_attr; j++)
    if (n->attrs[j].g) extra += n->attrs[j].g->n_captured;
  if (!extra) return WISP_OK;
  int *in = wisp_pool_alloc(L->pool, ((size_t)n->n_in + (size_t)extra) * sizeof(int));
  WISP_CHECK(in, WISP_ERR_NO_MEMORY, "out of memory");
  memcpy(in, n->in, (size_t)n->n_in * sizeof(int));
  for (int j = 0; j < n->n_attr; j++) {
    const wisp_graph *sub = n->attrs[j].g;
    for (int k = sub ? sub->n_inputs - sub->n_captured : 0; sub && k < sub->n_inputs; k++)
      WISP_TRY(value_id(L, sub->values[sub->inputs[k]].name, 1, &in[n->n_in++]));
  }
  n->in = in;
  n->n_captured = extra;
  return WISP_OK;
}

/* A subgraph's names that nothing in it defines are the enclosing scope's: they become its last
 * inputs (wisp_graph.n_captured). */
static wisp_status capture_outer_names(loader *L) {
  wisp_graph *g = L->g;
  uint8_t *defined = calloc((size_t)g->n_values + 1, 1);
  WISP_CHECK(defined, WISP_ERR_NO_MEMORY, "out of memory");
  for (int k = 0; k < g->n_inputs; k++) defined[g->inputs[k]] = 1;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_out; k++)
      if (g->nodes[i].out[k] >= 0) defined[g->nodes[i].out[k]] = 1;
  int n = 0;
  for (int v = 0; v < g->n_values; v++)
    n += !defined[v] && !g->values[v].init_data && *g->values[v].name;
  int *inputs =
      n ? wisp_pool_alloc(L->pool, ((size_t)g->n_inputs + (size_t)n) * sizeof(int)) : NULL;
  if (n && inputs) {
    memcpy(inputs, g->inputs, (size_t)g->n_inputs * sizeof(int));
    for (int v = 0; v < g->n_values; v++)
      if (!defined[v] && !g->values[v].init_data && *g->values[v].name) inputs[g->n_inputs++] = v;
    g->inputs = inputs;
    g->n_captured = n;
  }
  free(defined);
  WISP_CHECK(!n || inputs, WISP_ERR_NO_MEMORY, "out of memory");
  return WISP_OK;
}

static wisp_status read_node(loader *L, const uint8_t *bytes, size_t len, wisp_node *n) {
  memset(n, 0, sizeof *n);
  n->name = n->op_type = n->domain = "";
  int n_in = 0, n_out = 0, n_attr = 0;
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    switch (f.number) {
      case 1: n_in++; break;
      case 2: n_out++; break;
      case 5: n_attr++; break;
      case 3: WISP_TRY(dup_string(L, &f, &n->name, "NodeProto.name")); break;
      case 4: WISP_TRY(dup_string(L, &f, &n->op_type, "NodeProto.op_type")); break;
      case 7: WISP_TRY(dup_string(L, &f, &n->domain, "NodeProto.domain")); break;
      default: break;
    }
  }
  if (strcmp(n->domain, "ai.onnx") == 0) n->domain = "";
  n->in = wisp_pool_alloc(L->pool, (size_t)n_in * sizeof(int));
  n->out = wisp_pool_alloc(L->pool, (size_t)n_out * sizeof(int));
  n->attrs = wisp_pool_alloc(L->pool, (size_t)n_attr * sizeof(wisp_attr));
  WISP_CHECK(n->in && n->out && n->attrs, WISP_ERR_NO_MEMORY, "out of memory");
  r = pb_reader_init(bytes, len);
  FOR_FIELDS(r, f, more) {
    if (f.number == 1 || f.number == 2) {
      const char *vname = NULL;
      WISP_TRY(dup_string(L, &f, &vname, "NodeProto.input/output"));
      int id = -1;
      if (*vname) WISP_TRY(value_id(L, vname, 1, &id));
      else if (f.number == 2) WISP_TRY(anonymous_value(L, &id)); /* unused output: still computed */
      /* an input named "" is an omitted optional: id stays -1 */
      if (f.number == 1) n->in[n->n_in++] = id;
      else n->out[n->n_out++] = id;
    } else if (f.number == 5) {
      WISP_TRY(expect_wire(&f, PB_LEN, "NodeProto.attribute"));
      WISP_TRY(read_attribute(L, f.data, f.len, &n->attrs[n->n_attr++]));
    }
  }
  /* onnxruntime's 'all' optimisation level writes its NCHWc layout for this machine's SIMD width */
  WISP_CHECK(strcmp(n->domain, "com.microsoft.nchwc"), WISP_ERR_UNSUPPORTED,
             "node '%s' is com.microsoft.nchwc.%s: this model was saved by onnxruntime at the "
             "'all' optimization level, whose NCHWc layout ops are specific to the machine that "
             "saved it and not portable; save it at the 'extended' level instead "
             "(graphOptimizationLevel: 'extended')",
             n->name, n->op_type);
  WISP_TRY(add_captured_inputs(L, n));
  if (!strcmp(n->op_type, "Cast") && wisp_attr_int(n, "to", 0) == WISP_DT_STRING) note_strings();
  n->opset = opset_for(L, n->domain);
  int since = 0, until = 0;
  wisp_op_lookup found = wisp_op_resolve(n->domain, n->op_type, n->opset, &n->op, &since, &until);
  if (found == WISP_OP_EXTRA) until = -1;
  /* not when listing external files: web/ loads wisp_extra.wasm after that listing */
  if (found != WISP_OP_FOUND && !(until < 0 && L->list_fn)) note_missing(L, n, since, until);
  return WISP_OK;
}

static void note_missing(loader *L, const wisp_node *n, int since, int until) {
  for (int i = 0; i < L->n_missing; i++)
    if (!strcmp(L->missing[i].domain, n->domain) && !strcmp(L->missing[i].op_type, n->op_type)) {
      L->missing[i].nodes++;
      return;
    }
  if (L->n_missing == MAX_MISSING) return; /* the message names the first MAX_MISSING */
  L->missing[L->n_missing++] =
      (typeof(L->missing[0])){n->domain, n->op_type, n->name, 1, since, until, n->opset};
}

/* "unsupported ops: Mod (54 nodes, first 'n3'), com.microsoft.Foo (1 node, first 'f'),
 * Softmax at opset 23 (wisp implements 1-21)" */
static wisp_status fail_missing(const loader *L) {
  char msg[1024];
  size_t at = 0;
  for (int i = 0; i < L->n_missing && at < sizeof msg; i++) {
    const char *d = L->missing[i].domain;
    int w = wisp_snprintf(msg + at, sizeof msg - at, "%s%s%s%s", i ? ", " : "", d, *d ? "." : "",
                          L->missing[i].op_type);
    if (w > 0) at += (size_t)w;
    if (at >= sizeof msg) break;
    if (L->missing[i].until < 0)
      w = wisp_snprintf(msg + at, sizeof msg - at, " (in wisp_extra.wasm, which is not loaded)");
    else if (L->missing[i].until)
      w = wisp_snprintf(msg + at, sizeof msg - at, " at opset %lld (wisp implements %d-%d)",
                        (long long)L->missing[i].opset, L->missing[i].since, L->missing[i].until);
    else
      w = wisp_snprintf(msg + at, sizeof msg - at, " (%d node%s, first '%s')", L->missing[i].nodes,
                        L->missing[i].nodes == 1 ? "" : "s", L->missing[i].first_node);
    if (w > 0) at += (size_t)w;
  }
  return wisp_fail(WISP_ERR_UNSUPPORTED, "unsupported ops: %s", msg);
}

/* ---- graph and model -------------------------------------------------------------------- */

static wisp_status read_graph(loader *L, const uint8_t *bytes, size_t len) {
  wisp_graph *g = L->g;
  int n_nodes = 0, n_inputs = 0, n_outputs = 0;
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    if (f.wire != PB_LEN) continue;
    if (f.number == 1) n_nodes++;
    if (f.number == 11) n_inputs++;
    if (f.number == 12) n_outputs++;
    if (f.number == 15)
      return wisp_fail(WISP_ERR_UNSUPPORTED, "onnx: sparse initializers are not supported");
  }
  g->nodes = wisp_pool_alloc(L->pool, (size_t)n_nodes * sizeof *g->nodes);
  g->inputs = wisp_pool_alloc(L->pool, (size_t)n_inputs * sizeof(int));
  int n_extra = L->opts && !L->depth ? L->opts->n_extra_outputs : 0;
  g->outputs = wisp_pool_alloc(L->pool, ((size_t)n_outputs + (size_t)n_extra) * sizeof(int));
  WISP_CHECK(g->nodes && g->inputs && g->outputs, WISP_ERR_NO_MEMORY, "out of memory");

  /* initializers first, so inputs that name them are known to be constants */
  r = pb_reader_init(bytes, len);
  FOR_FIELDS(r, f, more) {
    if (f.number != 5) continue;
    WISP_TRY(expect_wire(&f, PB_LEN, "GraphProto.initializer"));
    wisp_tensor t;
    const char *name;
    WISP_TRY(read_tensor(f.data, f.len, L->pool, L, &t, &name, L->g->model != NULL));
    WISP_CHECK(*name, WISP_ERR_INVALID_MODEL, "onnx: initializer without a name");
    int id;
    WISP_TRY(value_id(L, name, 1, &id));
    wisp_value *v = &g->values[id];
    WISP_CHECK(!v->init_data, WISP_ERR_INVALID_MODEL, "onnx: initializer '%s' defined twice", name);
    v->dtype = t.dtype;
    v->shape = t.shape;
    v->has_shape = 1;
    v->init_data = t.data;
  }
  r = pb_reader_init(bytes, len);
  FOR_FIELDS(r, f, more) {
    if (f.wire != PB_LEN) continue;
    if (f.number == 11) {
      int id;
      WISP_TRY(read_value_info(L, f.data, f.len, &id, 1));
      const wisp_value *v = &g->values[id];
      if (v->init_data) continue;
      WISP_CHECK(v->dtype == WISP_DT_UNDEFINED || wisp_dtype_size(v->dtype), WISP_ERR_UNSUPPORTED,
                 "input '%s' is %s, which wisp does not support", v->name,
                 wisp_dtype_name(v->dtype));
      g->inputs[g->n_inputs++] = id;
    } else if (f.number == 12) {
      int id;
      WISP_TRY(read_value_info(L, f.data, f.len, &id, 0));
      g->outputs[g->n_outputs++] = id;
    } else if (f.number == 1) {
      WISP_TRY(read_node(L, f.data, f.len, &g->nodes[g->n_nodes++]));
    }
  }
  WISP_CHECK(g->n_outputs > 0, WISP_ERR_INVALID_MODEL, "onnx: graph has no outputs");
  if (L->depth > 0) { /* a subgraph: the model's graph reports missing ops */
    WISP_TRY(capture_outer_names(L));
    return L->n_missing ? WISP_OK : wisp_graph_sort(g);
  }
  if (L->n_missing) return fail_missing(L);
  for (int k = 0; k < n_extra; k++) {
    const char *name = L->opts->extra_outputs[k];
    int id = -1;
    if (name && *name) WISP_TRY(value_id(L, name, 0, &id));
    WISP_CHECK(id >= 0, WISP_ERR_INVALID_ARG, "extra output '%s': the model has no such value",
               name ? name : "(null)");
    int dup = 0;
    for (int j = 0; j < g->n_outputs; j++) dup |= g->outputs[j] == id;
    if (!dup) g->outputs[g->n_outputs++] = id;
  }
  return WISP_OK;
}

static wisp_status read_model(loader *L, const uint8_t *bytes, size_t len) {
  const uint8_t *graph = NULL;
  size_t graph_len = 0;
  pb_reader r = pb_reader_init(bytes, len);
  pb_field f;
  FOR_FIELDS(r, f, more) {
    if (f.number == 7) {
      WISP_TRY(expect_wire(&f, PB_LEN, "ModelProto.graph"));
      graph = f.data, graph_len = f.len;
    } else if (f.number == 8) {
      WISP_TRY(expect_wire(&f, PB_LEN, "ModelProto.opset_import"));
      WISP_CHECK(L->n_opsets < MAX_OPSETS, WISP_ERR_UNSUPPORTED, "onnx: too many opset imports");
      const char *domain = "";
      int64_t version = 0;
      pb_reader orr = pb_reader_init(f.data, f.len);
      pb_field o;
      FOR_FIELDS(orr, o, omore) {
        if (o.number == 1) WISP_TRY(dup_string(L, &o, &domain, "OperatorSetIdProto.domain"));
        if (o.number == 2) version = (int64_t)o.u;
      }
      L->opset_domain[L->n_opsets] = domain;
      L->opset_version[L->n_opsets++] = version;
    }
  }
  WISP_CHECK(graph, WISP_ERR_INVALID_MODEL, "onnx: not an ONNX model (no graph found)");
  return read_graph(L, graph, graph_len);
}

/* owned: the graph takes over `bytes` (onnx.h) */
static wisp_status load(const void *bytes, size_t len, int owned, loader *L, wisp_graph *g) {
  memset(g, 0, sizeof *g);
  if (owned) g->model = (void *)bytes;
  L->g = g;
  L->pool = &g->pool;
  wisp_status s = bytes || !len ? read_model(L, bytes, len)
                                : wisp_fail(WISP_ERR_INVALID_ARG, "model bytes are NULL");
  free(L->slots);
  if (s != WISP_OK) wisp_graph_free(g);
  return s;
}

wisp_status wisp_onnx_load(void *bytes, size_t len, const wisp_options *opts, wisp_graph *g) {
  loader L = {0};
  L.opts = opts;
  return load(bytes, len, 1, &L, g);
}

wisp_status wisp_model_external_files(const void *model, size_t len,
                                      void (*fn)(void *user, const char *location, uint64_t end),
                                      void *user) {
  loader L = {0};
  L.list_fn = fn;
  L.list_user = user;
  wisp_graph g;
  WISP_TRY(load(model, len, 0, &L, &g));
  wisp_graph_free(&g);
  return WISP_OK;
}
