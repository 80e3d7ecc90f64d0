"""gunicorn's settings for Tessera, read from the directory gunicorn starts in.

gunicorn's own default refuses a request line over 4,094 bytes with a bare HTML 414, before
Tessera sees it; a partner's list filter (up to 100 order ids) comes close to that. 8,190 is the
most gunicorn allows, so a query string over Tessera's own limit (MAX_QUERY_STRING in
tessera/api/base.py, 8,000 characters) still reaches Tessera, which answers with a problem
document; only a request line over 8,190 bytes gets gunicorn's own 414.
"""

limit_request_line = 8190
