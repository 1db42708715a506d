"""Look-ups in a run's JSON (meta.json, tlb.json) the way the report reads
them: a key by dotted path or by its shallowest occurrence, an array of
objects by name, scalars as the text pagewalk wrote."""


def text(v):
    """A JSON scalar as written: null -> "", true/false, numbers as is."""
    if v is None or isinstance(v, (dict, list)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def get(doc, key):
    """The value of key: a dotted path of object keys ("counters.status"),
    or a bare key matched at its shallowest occurrence outside arrays (the
    first one at that depth). None when absent."""
    if doc is None:
        return None
    if "." in key:
        v = doc
        for part in key.split("."):
            if not isinstance(v, dict) or part not in v:
                return None
            v = v[part]
        return v
    best = [None, None]  # depth, value

    def walk(o, depth):
        for k, v in o.items():
            nested = isinstance(v, (dict, list)) and v
            if k == key and not nested and (best[0] is None or depth < best[0]):
                best[0], best[1] = depth, v
            if isinstance(v, dict):
                walk(v, depth + 1)

    walk(doc, 0)
    return best[1]


def s(doc, key):
    """get() as text ("" when absent or null)."""
    return text(get(doc, key))


def _first_array(doc, name):
    """The first non-empty array called name, in document order, or []."""
    found = []

    def walk(o):
        if found:
            return
        if isinstance(o, dict):
            for k, v in o.items():
                if k == name and isinstance(v, list) and v:  # "[]" is passed over
                    found.append(v)
                    return
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(doc)
    return found[0] if found else []


def objects(doc, name):
    """The array of objects called name: a dotted path, or the first array
    of that name anywhere (document order). [] when absent."""
    if doc is None:
        return []
    if "." in name:
        v = get(doc, name)
        return v if isinstance(v, list) else []
    return [x for x in _first_array(doc, name) if isinstance(x, dict)]


def fields(obj, *names):
    """Some members of one object, as text."""
    return [text(obj.get(n)) for n in names]


def strings(doc, name):
    """The string elements of the first array called name."""
    return [x for x in _first_array(doc, name) if isinstance(x, str)]
