"""PyTorch's ``torch.*`` functions, as ``minigrad.*``: ``mg.exp(x)``, ``mg.sum(x, 1)``,
``mg.max(x, dim)``, ``mg.matmul(a, b)``, ... (``minigrad.functional`` is PyTorch's
``torch.nn.functional``; this is ``torch`` itself).

One module per family, each function checking its arguments as PyTorch does (and
naming the argument in any error); the Tensor method of the same name calls it:

* [`arithmetic`][minigrad.functions.arithmetic]: add, sub, mul, div, pow, neg, matmul, bmm,
  maximum, minimum;
* [`comparison`][minigrad.functions.comparison]: eq, ne, lt, le, gt, ge, logical_not, and the
  bitwise operators of masks;
* [`maths`][minigrad.functions.maths]: exp, log, sqrt, abs, tanh, sigmoid, relu, sin,
  cos, log1p, expm1, reciprocal, rsqrt, square, sign, floor, ceil, trunc, round, clamp,
  softmax, log_softmax;
* [`reductions`][minigrad.functions.reductions]: sum, prod, cumsum, norm, max, min, argmax,
  argmin, all, any;
* [`statistics`][minigrad.functions.statistics]: mean, var, std;
* [`shaping`][minigrad.functions.shaping]: reshape, flatten, unsqueeze, squeeze, permute,
  transpose, t, flip, roll (and Tensor's view, expand, repeat);
* [`joining`][minigrad.functions.joining]: cat, stack, split, chunk;
* [`indexing`][minigrad.functions.indexing]: gather, masked_fill, where (and ``x[index]``);
* [`conversion`][minigrad.functions.conversion]: Tensor's to, type_as and new_* arguments.

The factories (``mg.zeros``, ``mg.linspace``, ...) are in [`minigrad.factories`][]
and the random ones (``mg.randn``, ``mg.normal``, ...) in [`minigrad.sampling`][].
"""
