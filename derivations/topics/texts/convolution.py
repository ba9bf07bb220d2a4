"""What the notes say about convolutional networks (``derivations.topics.convolution``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section"]

SECTION = r"""\section{@title}
A fully connected layer gives every output its own weight for every input. A convolutional layer
(UDL, chapter 10) instead computes each output from a few neighbouring inputs, with the same
weights at every position: one kernel $@kernel$ and one bias $\beta$, shared along the input. With
stride $s$, zero padding $p$ and dilation $d$, and the book's kernel of three weights:
@layer_tex
The layer is linear in its inputs, so its weights form a matrix: differentiating the outputs with
respect to the inputs gives it. For @inputs inputs and padding 1 it is a band of the kernel's
weights, with zeros elsewhere (Figure~\ref{fig:convolution}, left):
@matrix_tex
Positions past the ends read zeros. The number of outputs is
@length_tex
The matrix derived in this way equals \texttt{torch.nn.functional.conv1d} in float64, to a
relative $@tolerance$, on @batch random inputs for each of @settings settings (@grid); in each setting the length formula,
the positions counted one by one and torch's output length agree.

\paragraph{Parameters.} With $C_i$ input channels and $C_o$ output channels (a kernel of $C_i K$
weights and a bias for each output channel), against a fully connected layer between the same
$C_i I$ inputs and $C_o L$ outputs:
@counts_tex
\begin{center}\small
\begin{tabular}{rrrrrrr}
\toprule
$I$ & $K$ & $C_i$ & $C_o$ & $L$ & convolutional & fully connected \\
\midrule
@rows\\
\bottomrule
\end{tabular}
\end{center}
Each count equals the number of parameters of \texttt{torch.nn.Conv1d} and \texttt{torch.nn.Linear}
of those sizes (\texttt{numel}).

\paragraph{Translation equivariance.} Shifting the input shifts the output: $@equivariant$ for
the input $x'$ shifted by $t$ places. For an input without ends (every index interior) the
proof takes three lines:
@equivariance_tex
A finite input has ends. With circular padding (the input continued periodically) the layer of
the shifted input equals the shifted output entry by entry for @inputs inputs and each of the
@shifts shifts (proven, and in torch with \texttt{torch.roll}); with zero padding the first
$t$ rows and the last one differ, where the shifted input lost its last values and zeros
entered at the front.

\paragraph{The gradient with respect to the kernel.} Take the loss $@loss$ of the
ReLU outputs $h_i$. Its backward pass by reverse mode (the first position's two lines, then the
parameters) shows that each kernel weight's gradient is the input it met at each position,
times the loss's gradient with respect to that position's $z_i$, summed over the positions: a
correlation of the input with the gradient.
@gradient_tex
SymPy proves this sum equal to the gradient of the reverse-mode program, @diff_words
\texttt{sympy.diff} of the loss written out in full. Compiled, the program equals PyTorch's
autograd through \texttt{conv1d} in float64 to a relative $@tolerance$ on @gradient_settings
settings of stride, padding (zeros and circular) and dilation.

\paragraph{Receptive field.} Each kernel-3 layer widens what one output sees by one input on each
side; after $n$ stacked layers,
@receptive_tex
\begin{center}\small
\begin{tabular}{rrr}
\toprule
layers $n$ & formula & inputs in the composed expression \\
\midrule
@receptive_rows\\
\bottomrule
\end{tabular}
\end{center}
The count is of the inputs that appear in the middle output's expression after composing the
layers symbolically; the nonzero entries of its gradient with respect to the input in torch
agree.
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Left: the weight matrix of the convolutional layer with @inputs inputs, each entry
printed from the derived matrix. Right: the inputs the middle output of $n$ stacked kernel-3
layers depends on, counted from the composed expressions.}
\label{fig:convolution}
\end{figure}
"""


def section(*, title: str, layer_tex: str, matrix_tex: str, length_tex: str, counts_tex: str,
            equivariance_tex: str, gradient_tex: str, receptive_tex: str, inputs: int, settings: int, batch: int,
            grid: str, count_rows: list, shifts: int, gradient_settings: int, receptive_rows: list, figure: str,
            kernel: str, equivariant: str, loss: str, tolerance: str, diff_words: str) -> str:
    """The section: the displays (``*_tex``, tagged), the grid's description, the table rows
    ``count_rows`` (I, K, C_i, C_o, L, convolutional, fully connected) and ``receptive_rows``
    (n, formula, counted), and the printed formulas for the prose."""
    rows = "\\\\\n".join(" & ".join(f"{v:,}".replace(",", "{,}") for v in row) for row in count_rows)
    fields = "\\\\\n".join(" & ".join(str(v) for v in row) for row in receptive_rows)
    return fill(SECTION, title=title, layer_tex=layer_tex, matrix_tex=matrix_tex, length_tex=length_tex,
                counts_tex=counts_tex, equivariance_tex=equivariance_tex, gradient_tex=gradient_tex,
                receptive_tex=receptive_tex, inputs=inputs, settings=settings, batch=batch, grid=grid, rows=rows,
                shifts=shifts, gradient_settings=gradient_settings, receptive_rows=fields, figure=figure,
                kernel=kernel, equivariant=equivariant, loss=loss, tolerance=tolerance,
                diff_words=diff_words)
