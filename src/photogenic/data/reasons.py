"""Reason codes for items that cannot be used: one short, specific string per failure.

Every reader, the decoder and the ledger use these names, so counts per reason add up across stages.
"""

from __future__ import annotations

# image bytes
EMPTY_FILE = "empty_file"
NOT_AN_IMAGE = "not_an_image"
TRUNCATED = "truncated"
CORRUPT = "corrupt"
TOO_MANY_PIXELS = "too_many_pixels"
UNSUPPORTED_MODE = "unsupported_mode"
FILE_MISSING = "file_missing"
READ_ERROR = "read_error"
# captions
CAPTION_MISSING = "caption_missing"
CAPTION_NOT_UTF8 = "caption_not_utf8"
# dataset structure
NOT_IN_METADATA = "not_in_metadata"
METADATA_INVALID_JSON = "metadata_invalid_json"
METADATA_MISSING_FIELD = "metadata_missing_field"
IMAGE_MISSING = "image_missing"
UNSAFE_PATH = "unsafe_path"
REMOTE_URL = "remote_url"
SHARD_MISSING = "shard_missing"
SHARD_UNREADABLE = "shard_unreadable"
DUPLICATE_FILE_NAME = "duplicate_file_name"

REASONS: dict[str, str] = {
    EMPTY_FILE: "the image file has zero bytes",
    NOT_AN_IMAGE: "the bytes are not an image format Pillow can identify",
    TRUNCATED: "the image data ends before the image does",
    CORRUPT: "the image header was read but its pixel data could not be decoded",
    TOO_MANY_PIXELS: "the declared width x height exceeds the pixel limit (decompression bomb)",
    UNSUPPORTED_MODE: "the image mode could not be converted to 8-bit RGB",
    FILE_MISSING: "the image file named by the dataset does not exist",
    READ_ERROR: "the file exists but could not be read (permissions, a folder, I/O error)",
    CAPTION_MISSING: "no caption: no .txt sidecar, no text field, or text is not a string",
    CAPTION_NOT_UTF8: "the caption bytes are not valid UTF-8",
    NOT_IN_METADATA: "an image in the dataset folder that metadata.jsonl does not list",
    METADATA_INVALID_JSON: "a metadata line is not a JSON object",
    METADATA_MISSING_FIELD: "a metadata row lacks a required field (file_name / image)",
    IMAGE_MISSING: "a caption or sample without an image",
    UNSAFE_PATH: "a file name that points outside the dataset (absolute or '..')",
    REMOTE_URL: "an http(s) URL: only local files are read, never the network",
    SHARD_MISSING: "a shard named by a brace pattern does not exist",
    SHARD_UNREADABLE: "a .tar or .parquet file could not be read (from this point on)",
    DUPLICATE_FILE_NAME: "a second item with a file name already written",
}
