# mod_wsgi 6.1.1 from PyPI: outside Apache, "mod_wsgi" is this namespace package
# (pkgutil.extend_path) holding mod_wsgi-express.  Inside Apache the name belongs to
# the C module that mod_wsgi.so creates (process_group, application_group,
# subscribe_events, request_data(), ...); it cannot be imported outside Apache, so
# stubtest cannot check it and it is not stubbed here (see docs/stubs.md).
