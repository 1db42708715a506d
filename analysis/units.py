"""Units as pagewalk prints them."""


def human_bytes(n):
    """4096 -> 4K, 3 << 20 -> 3M, 1536 << 20 -> 1.5G (binary units)."""
    n = float(n)
    for unit in ("", "K", "M", "G", "T"):
        if n < 1024 or unit == "T":
            s = f"{n:.1f}".rstrip("0").rstrip(".") if n != int(n) else str(int(n))
            return s + unit
        n /= 1024
    return str(n)
