"""Vector search over the problem library and past cases.

`voc.search.index` keeps a FAISS index on disk behind one small interface (`VectorIndex`,
`open_or_rebuild`); the index type follows the library's size. Nothing is imported or loaded
at import time: FAISS is imported inside the functions that need it.
"""
