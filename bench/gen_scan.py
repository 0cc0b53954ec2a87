#!/usr/bin/env python3
"""Write a valid PDF holding one page with one uncompressed grey image of
random pixels (a scan without a text layer), about BYTES long:
    gen_scan.py OUT.pdf BYTES
The bundle benchmark needs documents the formats layer can open: a PDF the
bundle cannot read is refused, not released (docs/legal-rules.md §10)."""
import math
import os
import sys

out, size = sys.argv[1], int(sys.argv[2])
side = max(8, int(math.sqrt(size)))
pixels = os.urandom(side * side)
content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (side, side)
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
    b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>" % (side, side),
    b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
    b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(pixels)) + pixels + b"\nendstream",
    b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
]
body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for i, o in enumerate(objs, 1):
    offsets.append(len(body))
    body += b"%d 0 obj\n" % i + o + b"\nendobj\n"
xref = len(body)
body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    body += b"%010d 00000 n \n" % off
body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
with open(out, "wb") as f:
    f.write(body)
