"""Idiomatic applications for five WSGI frameworks, all exposing the same routes.

Each module (``flask_app``, ``django_app``, ``bottle_app``, ``falcon_app``,
``pyramid_app``) defines a module-level WSGI application ``app`` with:

=============== ======================================================================
``/``           ``GET``/``HEAD``: :data:`~tests.apps.common.HELLO` as text/plain
``/json``       :data:`~tests.apps.common.JSON_DOC` as JSON
``/empty``      204 No Content (the framework adds whatever headers it adds)
``/redirect``   302 to ``/``
``/stream``     :data:`~tests.apps.common.STREAM_CHUNKS`, one generator item each
``/file``       ``GET``/``HEAD``: the ~100 KiB file :func:`~tests.apps.common.data_file`
``/form``       ``POST`` application/x-www-form-urlencoded: the fields echoed as JSON
``/upload``     ``POST`` application/json: the document echoed as JSON
``/error``      raises; the framework renders its 500 page
``/notmodified`` 200 with ETag :data:`~tests.apps.common.ETAG`; 304 on a matching If-None-Match
=============== ======================================================================

:mod:`tests.apps.validated` is the deployment recipe: the same apps wrapped in
:func:`wsgitypes.validate.validator`, as module-level names a server can load.
"""

FRAMEWORKS = ("flask", "django", "bottle", "falcon", "pyramid")
