"""Reports on trained supernets and generators, NAS-Bench-201 ground truth and tables."""
