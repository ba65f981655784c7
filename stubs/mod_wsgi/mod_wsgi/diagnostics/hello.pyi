from wsgitypes import StartResponse, WSGIEnvironment

# A "Hello World!" WSGI application.
def application(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]: ...
