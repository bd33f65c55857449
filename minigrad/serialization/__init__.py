"""``save`` and ``load``: state dicts (and optimiser state dicts) as ``.npz`` files.

The file is a plain numpy ``.npz`` archive, written and read without pickle:

* each array is stored under its key path (``"0.weight"`` for a model state dict,
  ``"state/0/exp_avg"`` inside an optimiser's), so ``np.load`` reads it too;
* a nested object (an optimiser state dict with its numbers, tuples and integer
  keys) also stores its layout as JSON text under ``__minigrad_structure__``. It may
  nest dicts, lists and tuples at most [`MAX_DEPTH`][] levels deep.

Whole objects are not saved: ``save(model, f)`` (or a checkpoint dict holding a module
or an optimiser) raises a ``TypeError`` that points at ``state_dict()``. Storing the
object would take pickle, and rebuilding it on load would mean importing and running
the code of its class, which ``load`` never does. Save ``model.state_dict()`` and
restore with ``model.load_state_dict(mg.load(f))`` on a freshly built model, as
PyTorch's own documentation recommends.

Saving is atomic. The archive is written to a temporary file beside the target,
``.<name>.<8 hex digits>.tmp`` (hidden, and not ending in ``.npz``), flushed and
fsynced, then renamed over the target with ``os.replace``; on POSIX the directory is
fsynced after the rename, so the rename itself is durable. Whatever happens during a
save, the target holds either the old checkpoint or the new one, never a mix. A save
that fails with an exception removes its temporary file; a process killed outright
(SIGKILL, power loss) may leave it behind. Such a file is never read by ``load`` (it
is not at the target's path) and can be deleted.

Loading trusts nothing in the file. It reads the zip directory, then each member's
``.npy`` header, and checks them against each other and against the file's size
before it reads any array data, so a damaged or hostile file is refused quickly and
without allocating more than the file can hold. The zip CRC of every member is
verified, so flipped bits in the data are caught too. Every such problem raises
[`SerializationError`][] naming the file; nothing is ever unpickled.
"""

# The parts: _writing.py (save, the atomic write), _reading.py (load), _archive.py (the
# checked reading of the zip directory and the .npy headers), _structure.py (the JSON
# layout of a nested object, both ways) and _errors.py (SerializationError). STRUCTURE_KEY
# is not in __all__ but stays importable from here, as it was from the single module.
from minigrad.serialization._errors import SerializationError
from minigrad.serialization._reading import load
from minigrad.serialization._structure import MAX_DEPTH
from minigrad.serialization._structure import STRUCTURE_KEY as STRUCTURE_KEY
from minigrad.serialization._writing import save

__all__ = ["MAX_DEPTH", "SerializationError", "load", "save"]
