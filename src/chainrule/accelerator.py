"""cr.accelerator: no accelerator backend exists yet; `is_available()` is False."""


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0
