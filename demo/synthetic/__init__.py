"""Synthetic files of known answer, no Django: raw frames (`raw`), L1 OIFITS2 (`l1`), calibrated L2 (`l2`)."""
