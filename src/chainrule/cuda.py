"""cr.cuda: there is no CUDA backend (yet), so device-aware code picks the CPU."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Nothing to seed without a GPU; accepted so seeding code runs."""


def manual_seed_all(seed):
    """Nothing to seed without a GPU; accepted so seeding code runs."""
