"""The lookup behind every chainrule.nn.modules.<file>: names resolve from chainrule.nn on first access,
so a file here never imports a layer that does not exist yet, and `modules.rnn.LSTM is nn.LSTM`."""
import importlib


def reexport(module_name, names):
    """(__getattr__, __dir__) for the module `module_name`, mirroring torch.nn.modules.<file>: each name
    in `names` (torch's classes of that file) is chainrule.nn's class of that name, where chainrule has it."""
    names = tuple(names)

    def __getattr__(name):
        if name in names:
            nn = importlib.import_module("chainrule.nn")
            if name in vars(nn):
                return vars(nn)[name]
            raise AttributeError(f"module {module_name!r} has no attribute {name!r} "
                                 f"(chainrule.nn has no {name} yet: torch.nn.{name} is not implemented)")
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__():
        nn = importlib.import_module("chainrule.nn")
        return sorted(name for name in names if name in vars(nn))

    return __getattr__, __dir__
