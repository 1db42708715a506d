"""Units as pagewalk prints them."""


def human_bytes(n):
    """64 -> 64B, 4096 -> 4K, 46336 -> 45.2K, 3 << 20 -> 3M (binary units;
    3 significant digits at most, trailing zeros dropped)."""
    v, units = float(n), ("B", "K", "M", "G", "T", "P")
    i = 0
    while v >= 1024 and i < len(units) - 1:
        v /= 1024
        i += 1
    s = f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s + units[i]


def series_name(pattern, stride, stagger):
    """rand, 4096, 1 -> 'rand stride 4K staggered' (CSV text or numbers)."""
    return f"{pattern} stride {human_bytes(int(stride)).removesuffix('B')}{' staggered' if int(stagger or 0) else ''}"
