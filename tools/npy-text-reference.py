"""Writes test/fixtures/npy/text_*.npy with NumPy 1.24: unicode arrays as numpy.save writes them,
the reference bytes for dadm's textArray writer and npyStrings reader (test/io/npy-text.test.ts).
Run with Debian's python3: /usr/bin/python3 tools/npy-text-reference.py"""
import numpy as np

np.save('test/fixtures/npy/text_names.npy', np.array(['process_spawn_count', 'cmdline_entropy', 'x']))
np.save('test/fixtures/npy/text_scalar.npy', np.array('endpoint-v1 \u00e9\u6f22\U0001f600'))
print(np.load('test/fixtures/npy/text_names.npy').dtype, np.load('test/fixtures/npy/text_scalar.npy').dtype)
