"""What the notes say about self-attention (``derivations.topics.attention``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section"]

SECTION = r"""\section{@title}
A transformer (UDL, chapter 12) processes a sequence of $N$ tokens, the columns
$\mathbf{x}_1, \dots, \mathbf{x}_N$ of a matrix $\mathbf{X}$ with $D$ rows, with layers whose
outputs mix information from every token. Its core is dot-product self-attention. Every token
gives a value, a query and a key, with weights and biases shared by all tokens; for the first
token, with @size entries:
@definitions_tex
The $n$-th output is a weighted sum of the values; its weights, the attention weights, are a
softmax over the keys $m$ of the dot products of each key with the query $n$, scaled by
$@scale$, where $D_q$ is the size of the queries and keys (UDL section 12.3):
@attention_tex
For @tokens tokens of @size entries (queries and keys of @size entries too), SymPy instantiates these definitions as a
straight-line program of the values, queries, keys, dot products $s$, weights $a$ and outputs,
and builds the matrix form of the book, the softmax taken over each column, independently
with matrices; the two are proven equal entry by entry:
@matrix_tex
Compiled, the program equals \texttt{torch.nn.functional.scaled\_dot\_product\_attention} in
float64 on @batch random inputs (torch puts the tokens in rows, so it takes the transposed
matrices and its result is transposed back), and \texttt{torch.nn.MultiheadAttention} with one
head, its input projection set to our three weight matrices and biases and its output
projection to the identity: the outputs and the attention weights agree
(Figure~\ref{fig:attention}).

\paragraph{Permutation equivariance.} Nothing in the layer depends on where a token stands:
reordering the tokens (the columns of $\mathbf{X}$) reorders the outputs the same way. For
@tokens tokens, SymPy proves it entry by entry for each of the @permutations orders, and torch's
scaled dot-product attention agrees. A transformer adds positional encodings for that reason.

\paragraph{Parameters.} One head has three square weight matrices of size $D$ and three
biases, whatever the number of tokens (counted for 1 to @most tokens), @count for the printed
head. \texttt{torch.nn.MultiheadAttention} adds an output projection after the heads, $@extra$ more:
@counts_tex
\begin{center}\small
\begin{tabular}{rrr}
\toprule
$D$ & one head & \texttt{nn.MultiheadAttention} \\
\midrule
@rows\\
\bottomrule
\end{tabular}
\end{center}
The first count equals the number of parameter symbols of the derived head and the numel of the
module's input projection; the second, its numel.

\paragraph{The softmax's Jacobian.} The derivative of the softmax's outputs $\mathbf{p}$ with
respect to its inputs $\mathbf{z}$, differentiated by SymPy for @jacobian_size inputs, is
@jacobian_tex
proven entry by entry, and equal to torch's Jacobian of \texttt{torch.softmax} in float64 on
@batch random inputs.

\paragraph{The gradient with respect to the weights.} Take the loss $@loss$ of the outputs.
Reverse mode on the program gives the backward pass; the first entries of each line:
@gradient_tex
Through the softmax, the gradient is the Jacobian above times the gradient with respect to the
weights, column by column (proven for every column); each weight matrix's gradient is the
gradient with respect to the queries, keys or values times the transpose of $\mathbf{X}$ (proven). The
gradient agrees with \texttt{sympy.diff} of the loss written out in full for all @parameters
parameters at @points random points (50 digits), and, compiled, with PyTorch's autograd through
\texttt{scaled\_dot\_product\_attention} in float64 to a relative $@tolerance$.
\begin{figure}[ht]
\centering
\includegraphics[width=0.8\textwidth]{@figure}
\caption{The attention weights of the head with @tokens tokens at random values of the tokens and
weights, from the compiled program (column $n$: the weights of query $n$ over the keys). Right:
the same tokens in the order @order: the rows and columns are permuted alike (checked in
float64).}
\label{fig:attention}
\end{figure}
"""


def section(*, title: str, definitions_tex: str, attention_tex: str, matrix_tex: str, counts_tex: str,
            jacobian_tex: str, gradient_tex: str, tokens: int, size: int, batch: int, permutations: int, most: int,
            count_rows: list, parameters: int, points: str, figure: str, order: str, loss: str, tolerance: str,
            scale: str, count: str, extra: str) -> str:
    """The section: the displays (``*_tex``, tagged), the table rows ``count_rows`` (D, one head,
    nn.MultiheadAttention) and the printed formulas and numbers for the prose."""
    rows = "\\\\\n".join(" & ".join(f"{v:,}".replace(",", "{,}") for v in row) for row in count_rows)
    return fill(SECTION, title=title, definitions_tex=definitions_tex, attention_tex=attention_tex,
                matrix_tex=matrix_tex, counts_tex=counts_tex, jacobian_tex=jacobian_tex, gradient_tex=gradient_tex,
                tokens=tokens, size=size, jacobian_size=tokens, batch=batch, permutations=permutations, most=most,
                rows=rows,
                parameters=parameters, points=points, figure=figure, order=order, loss=loss, tolerance=tolerance,
                scale=scale, count=count, extra=extra)
