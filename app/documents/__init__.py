"""Documents prepared by a worker (PDF, DOCX, transmission ZIP): the request asks, a worker
builds, the person downloads from a page that follows the preparation. No PDF is rendered in a
web request, and a slow one never holds a server."""
