"""The lecture, slide by slide: its titles and words, and which topic object fills each gap.

The lecture is a slide deck whose equations were images; its text survives, and every
slide that ends with a colon had an equation there. :data:`LECTURE` lists the slides in
the lecture's order. A slide's body mixes the lecture's own words (:class:`Text`, LaTeX
source) with references into the topic objects (:class:`Eq` names a topic's
:class:`~derivations.topics.topic.Display`, :class:`Fig` one of its figures): no equation is
typed here, so the slides (``deepderive slides``) and notebooks (``deepderive notebooks``)
show the very equations the notes print and the checks behind them.

``Eq(..., gap=True)`` marks an equation the lecture slide was missing; ``gap=False`` one
added for teaching (the full derivation on a following page, a worked example).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

__all__ = ["Text", "Eq", "Fig", "Break", "Slide", "LECTURE", "slides_for_topic", "slide_map", "TOPICS", "parse_topics"]


@dataclass(frozen=True)
class Text:
    """Words from the lecture (LaTeX source: ``$...$`` math; lines starting ``1.`` or ``-``
    are list items)."""

    text: str


@dataclass(frozen=True)
class Eq:
    """A topic's display ``topic.displays[display]``, optionally only ``steps`` (a slice of
    its derivation's steps).

    ``defines`` and ``uses`` say what the slide's words promise the equation shows, in the
    LaTeX the slide prints: the left-hand sides it must define (``h_{1}``) and what it must
    contain (``\\theta_{12} x_{2}`` for a second input). The slides read both back from the
    printed block (:func:`derivations.documents.slides.concept_check`): a display or a slice
    of steps that does not show its slide's concept is a failed check."""

    topic: str
    display: str
    steps: tuple[int, int] | None = None
    gap: bool = True
    defines: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fig:
    """A topic's figure ``figures/<stem>.pdf`` (``height``: fraction of the text height)."""

    topic: str
    stem: str
    height: float = 0.62


@dataclass(frozen=True)
class Break:
    """What follows starts a new page of the slide when it does not fit on the current one
    (:mod:`derivations.documents.slide_layout` packs the pages)."""


Item = Union[Text, Eq, Fig, Break]


@dataclass(frozen=True)
class Slide:
    """One lecture slide: its title (as the lecture titles it), subtitle and body."""

    title: str
    body: tuple[Item, ...] = ()
    subtitle: str = ""
    section: str = ""  # a new section of the lecture starts here

    @property
    def topics(self) -> list[str]:
        """The topics this slide draws on, in order of first use."""
        seen: list[str] = []
        for item in self.body:
            if isinstance(item, (Eq, Fig)) and item.topic not in seen:
                seen.append(item.topic)
        return seen

    @property
    def gaps(self) -> int:
        """How many equations the lecture slide was missing (each filled by an ``Eq``)."""
        return sum(1 for item in self.body if isinstance(item, Eq) and item.gap)


T, E, F, BREAK = Text, Eq, Fig, Break()

LECTURE: tuple[Slide, ...] = (
    # ----- shallow networks -----------------------------------------------------------
    Slide("Shallow neural networks", section="Shallow neural networks",
          subtitle="Moving from linear regression to shallow neural networks", body=(
              T("Shallow neural networks are machine learning models that:\n"
                "1. Compute linear transformations of the inputs\n"
                "2. Pass the results of these transformations through an activation function\n"
                "3. Form outputs by taking a linear combination of these ‘activations’"),
              E("shallow", "combined", gap=False, defines=("y",), uses=(r"\phi_{3}", r"\theta_{31} x")),
              BREAK,
              F("shallow", "shallow_decomposition", 0.8))),
    Slide("Activation functions – Introducing non-linearity", body=(
        T("The activation functions are non-linear functions that allow the model to capture non-linear "
          "relationships in the output data. There are many options, but the most common choice is the "
          "rectified linear unit (ReLU):"),
        E("activations", "relu", defines=(r"\mathrm{ReLU}[z]",)),
        T("Other common choices include sigmoid, tanh, and variations on ReLU."),
        BREAK,
        F("activations", "activations", 0.8))),
    Slide("Increasing model complexity – adding more hidden units", body=(
        T("We can add more hidden units by adding more linear transformations of the input:"),
        E("shallow", "network: hidden units", defines=("h_{1}", "h_{2}", "h_{3}"), uses=(r"\theta_{11} x",)),
        T("We form the output by creating a linear combination of these:"),
        E("shallow", "network: output", defines=("y",), uses=(r"\phi_{3} h_{3}",)))),
    Slide("Reflection: What happens when we have more than one input or output?", body=(
        T("Extending shallow neural networks to take multiple inputs/outputs is quite straightforward. "
          "For multiple inputs, the hidden units would then be activations applied to linear combinations "
          "of these inputs, e.g.:"),
        E("hidden_units", "two inputs: hidden units",
          defines=("h_{1}", "h_{2}", "h_{3}"), uses=(r"\theta_{12} x_{2}",)),
        T("The output would still be formed as:"),
        E("hidden_units", "two inputs: outputs", defines=("y",), uses=(r"\phi_{3} h_{3}",)),
        BREAK,
        T("For a network with two outputs, we could, e.g., have hidden units:"),
        E("hidden_units", "two outputs: hidden units",
          defines=("h_{1}", "h_{2}", "h_{3}", "h_{4}"), uses=(r"\theta_{41} x",)),
        T("These could then be used to create two different linear combinations, forming the two outputs:"),
        E("hidden_units", "two outputs: outputs", defines=("y_{1}", "y_{2}"), uses=(r"\phi_{24} h_{4}",)),
        BREAK,
        F("hidden_units", "two_outputs_shared_joints", 0.75))),
    Slide("The effect of the ReLU activations – Forming piecewise linear functions", body=(
        T("The same network with numbers for its parameters; the hidden units:"),
        E("shallow", "numbers: hidden units", defines=("h_{1}", "h_{2}", "h_{3}"), uses=(r"\frac{3}{2}",)),
        T("and the output:"),
        E("shallow", "numbers: output", defines=("y",), uses=(r"\frac{7}{10} h_{2}",)),
        BREAK,
        T("Each hidden unit has a joint where its linear function crosses zero:"),
        E("piecewise_linear", "joints", gap=False, uses=(r"\theta_{10}", r"\theta_{31}")),
        T("so the output is piecewise linear:"),
        E("piecewise_linear", "pieces", gap=False, defines=("y",), uses=(r"\begin{cases}",)),
        BREAK,
        F("piecewise_linear", "piecewise_linear_pieces", 0.75))),
    Slide("Digression: Activations for multiple inputs", body=(
        T("With two inputs, each hidden unit's joint is a line in the input plane, and these lines divide it "
          "into linear regions:"),
        F("piecewise_linear", "piecewise_linear_regions", 0.75))),
    Slide("The universal approximation theorem", body=(
        T("We can extend shallow neural networks to have an arbitrary number of hidden units. In a network "
          "with $D$ hidden units, we can describe the hidden units as:"),
        E("hidden_units", "general: hidden units", defines=("h_{d}",), uses=(r"\mathrm{a}[",)),
        T("And the network output as:"),
        E("hidden_units", "general: output", defines=("y",), uses=(r"\sum_{d=1}^{D}",)),
        T("The universal approximation theorem states that for any continuous function, there exists a "
          "shallow network that can approximate it."),
        BREAK,
        T("With one input, a ReLU network with a hidden unit per interval passes exactly through "
          "the points $(x_d, y_d)$ of the function, one point more than it has hidden units:"),
        E("universal_approximation", "construction", gap=False, defines=("y",), uses=(r"\mathrm{ReLU}", r"\Delta_{d}")),
        BREAK,
        F("universal_approximation", "universal_approximation", 0.8))),
    # ----- deep networks --------------------------------------------------------------
    Slide("From shallow to deep – Adding another network", section="Deep networks", body=(
        T("A simple way to extend our shallow network would be to pass the output through a new network. "
          "We would then pass the output of the first network to new hidden units, and create a final, "
          "new output:"),
        E("deep_networks", "composition", steps=(0, 1), defines=("y'",), uses=(r"\theta'_{11} y",)),
        BREAK,
        F("deep_networks", "composition", 0.75))),
    Slide("From shallow to deep – Changing perspective", body=(
        T("If we insert the original expression for the output of the first network into the expression "
          "we had for the new hidden units, we get:"),
        E("deep_networks", "composition", steps=(1, 4), defines=("y'",), uses=(r"\phi_{1} h_{1}",)),
        BREAK,
        T("We can now define a deep network with two layers, where the first hidden layer is:"),
        E("deep_networks", "two layers: scalar, layer 1", defines=("h_{1,1}", "h_{1,2}", "h_{1,3}"), uses=("x_{1}",)),
        T("The second hidden layer is:"),
        E("deep_networks", "two layers: scalar, layer 2", defines=("h_{2,1}", "h_{2,2}", "h_{2,3}"), uses=("h_{1,3}",)),
        T("And the final output is:"),
        E("deep_networks", "two layers: scalar, output", defines=("y",), uses=("h_{2,3}",)))),
    Slide("Reflection: How does the second layer modify the output of the first layer?", body=(
        T("The second network takes the first network's output as its input: the two-layer network is "
          "the first network's output fed through the second network, with weights $\\psi$ that multiply "
          "the second network's input weights by the first network's output weights:"),
        E("deep_networks", "composition", steps=(3, 5), gap=False, defines=("y'",), uses=(r"\psi",)),)),
    Slide("Digression: Matrix notation and GPUs", body=(
        T("Using matrix notation, we can write the hidden layers in our two-layer network as:"),
        E("deep_networks", "two layers: hidden layers",
          defines=(r"\mathbf{h}_{1}", r"\mathbf{h}_{2}"), uses=(r"\boldsymbol\Omega_{0} \mathbf{x}",)),
        T("And the output as:"),
        E("deep_networks", "two layers: output",
          defines=(r"\mathbf{y}",), uses=(r"\boldsymbol\Omega_{2} \mathbf{h}_{2}",)),
        BREAK,
        T("We write this even more compactly as:"),
        E("deep_networks", "two layers: nested",
          defines=(r"\mathbf{y}",), uses=(r"\boldsymbol\Omega_{1} \mathrm{ReLU}[\boldsymbol\beta_{0}",)),
        T("GPUs are highly optimized for doing matrix operations in parallel. This is why they are so "
          "effective at speeding up the computations needed to do deep learning."))),
    Slide("In general, deep networks can handle any number of inputs, outputs, layers and hidden units", body=(
        T("In general, we would express a network as:"),
        E("deep_networks", "general", defines=(r"\mathbf{h}_{1}", r"\mathbf{h}_{3}", r"\mathbf{y}")))),
    Slide("Deep networks – Parameter counts and number of linear regions", body=(
        T("A network with one input, $K$ layers and $D$ (more than two) hidden units in every layer would have a "
          "parameter count of"),
        E("counts_regions", "parameters", steps=(2, 3), defines=(r"N_{\phi}",), uses=("3 D + 1",)),
        T("Such a network could create a function with"),
        E("counts_regions", "regions", steps=(4, 5), defines=("N_{r}",), uses=("(D + 1)^{K",)),
        T("linear regions."),
        BREAK,
        T("The parameter count, derived and checked:"),
        E("counts_regions", "parameters", gap=False, defines=(r"N_{\phi}",)),
        BREAK,
        T("The number of linear regions, derived and checked:"),
        E("counts_regions", "regions", gap=False, defines=("N_{r}",), uses=(r"\binom",)),
        BREAK,
        F("counts_regions", "regions_vs_parameters", 0.8))),
    Slide("Reflection: Why choose deep networks when the universal approximation theorem holds for shallow "
          "networks?", body=(
              T("- There are functions for which shallow networks need exponentially more hidden units than "
                "deep networks to approximate them\n"
                "- More advanced architectures that make more efficient use of the available parameters are "
                "easier to specify with multiple layers\n"
                "- It is often easier to train (moderately) deep networks than shallow ones\n"
                "- Deep networks typically generalize better to new data than shallow networks"),
              BREAK,
              F("depth", "depth_vs_width", 0.8))),
    # ----- training -------------------------------------------------------------------
    Slide("Training neural networks – Tuning parameters until the model is ‘good’", section="Training neural networks",
          body=(
              T("On a high level, training neural networks consists of two steps:\n"
                "1. Defining what a good model means for our problem through a loss function\n"
                "2. Using an optimization algorithm to find parameter values that minimize the loss function"),)),
    Slide("What is a loss function?", body=(
        T("A loss function is a function of the model parameters that describes the mismatch between the "
          "model predictions and their associated ground truth values. It is typically formulated such that "
          "a smaller loss reflects better model performance. Thus, once we have defined our loss function, "
          "we train our model by seeking parameter values that minimize the loss."),)),
    Slide("The maximum likelihood approach for creating loss functions", body=(
        T("A common framework for creating loss functions is the maximum likelihood approach. Instead of "
          "thinking of the model as directly predicting an output $y$ given an input $x$, we shift "
          "perspective, and treat the model as predicting a conditional distribution over possible outputs, "
          "given the input (here a normal distribution):"),
        E("losses", "normal: distribution and link", steps=(0, 2),
          defines=(r"Pr(y \mid \boldsymbol\theta)",), uses=(r"\sigma^{2}",)),
        BREAK,
        T("Given this perspective, we want the loss function to encourage a high probability for the "
          "training outputs, i.e., we maximize across all samples"),
        E("losses", "normal: likelihood", steps=(0, 1),
          defines=(r"Pr(y_1, \dots, y_I \mid \mathbf{x}_1, \dots, \mathbf{x}_I)",)),
        BREAK,
        F("losses", "losses_normal", 0.75))),
    Slide("The maximum likelihood approach – Predicting distribution parameters", body=(
        T("Under this framework, we set the network to predict the parameters of the conditional "
          "distribution, i.e., we set"),
        E("losses", "normal: distribution and link", steps=(2, 3), defines=(r"\mu",)),
        BREAK,
        T("For the conditional distribution"),
        E("losses", "normal: distribution and link", steps=(0, 2), gap=False,
          defines=(r"Pr(y \mid \boldsymbol\theta)",), uses=(r"\sigma^{2}",)),
        BREAK,
        T("We then find model parameters that maximize"),
        E("losses", "normal: likelihood", steps=(0, 1),
          defines=(r"Pr(y_1, \dots, y_I \mid \mathbf{x}_1, \dots, \mathbf{x}_I)",)))),
    Slide("The maximum likelihood approach – Negative log-likelihood", body=(
        T("Since the probabilities in the maximum likelihood criterion often become small, and thus their "
          "product can become hard to represent with finite precision arithmetic in computers, we take the "
          "logarithm of the previous expression. Additionally, since model fitting is framed as a "
          "minimization problem by convention, we multiply by negative one. Thus, we get"),
        E("losses", "normal: likelihood", steps=(1, 3), defines=(r"L[\boldsymbol\phi]",), uses=(r"\log",)),
        BREAK,
        E("losses", "normal: likelihood", steps=(3, 5), gap=False, defines=(r"L[\boldsymbol\phi]",)))),
    Slide("The maximum likelihood approach – A recipe for creating loss functions", body=(
        T("1. Define a suitable probability distribution over the output space;\n"
          "2. Set the model to predict the parameters of this distribution;\n"
          "3. Find the model parameters that best fit the data by minimizing the negative log-likelihood "
          "loss function"),
        BREAK,
        T("For predicting on a new sample $x$, we either return the full distribution, or its maximum:"),
        E("losses", "normal: prediction", steps=(0, 3),
          defines=(r"\max_y Pr(y \mid \boldsymbol\theta)",), uses=(r"\frac{\partial}{\partial y}",)))),
    Slide("Example: Binary classification – The output space", body=(
        T("In binary classification, we try to predict whether an input belongs to one of two classes. Our "
          "output space can therefore be defined as $y \\in \\{0, 1\\}$. To construct a loss function for "
          "this problem, we begin by defining a suitable probability distribution over the output space. "
          "The most natural choice for binary classification is the Bernoulli distribution:"),
        E("losses", "bernoulli: distribution and link", steps=(0, 2),
          defines=(r"Pr(y \mid \boldsymbol\theta)",), uses=(r"\lambda",)))),
    Slide("Example: Binary classification – The sigmoid function", body=(
        T("To ensure that our network output can describe such a probability, we need to force it to be "
          "between 0 and 1. To this end, we employ the sigmoid function:"),
        E("losses", "bernoulli: distribution and link", steps=(3, 5), defines=(r"\lambda",), uses=(r"\mathrm{sig}",)),
        E("activations", "sigmoid", gap=False, defines=(r"\mathrm{sig}[z]",)),
        BREAK,
        F("losses", "losses_bernoulli", 0.7))),
    Slide("Example: Binary classification – The loss function", body=(
        T("We can rewrite the Bernoulli probability distribution as"),
        E("losses", "bernoulli: distribution and link", steps=(1, 2),
          defines=(r"Pr(y \mid \boldsymbol\theta)",), uses=("^{y}",)),
        T("With this rewrite, we can define the likelihood as"),
        E("losses", "bernoulli: likelihood", steps=(0, 2),
          defines=(r"Pr(y_1, \dots, y_I \mid \mathbf{x}_1, \dots, \mathbf{x}_I)",)),
        BREAK,
        T("Finally, we take the negative logarithm to obtain the negative log-likelihood:"),
        E("losses", "bernoulli: likelihood", steps=(2, 6), defines=(r"L[\boldsymbol\phi]",), uses=(r"\log",)),
        BREAK,
        T("Per sample, in a form that can be computed for any network output $f$:"),
        E("losses", "bernoulli: per-sample loss", gap=False, defines=(r"\ell_i",), uses=(r"\mathrm{softplus}",)))),
    Slide("Example: Multiclass classification – Softmax and cross-entropy", body=(
        T("In multiclass classification, the output is one of several classes, and the categorical distribution "
          "gives each class a probability. The softmax of the network outputs gives these probabilities:"),
        E("losses", "categorical: distribution and link", steps=(3, 6), gap=False,
          defines=(r"\lambda_{0}", r"\lambda_{2}"), uses=(r"e^{f_{0}}",)),
        T("The negative log-likelihood is the multiclass cross-entropy:"),
        E("losses", "categorical: likelihood", steps=(1, 4), gap=False, defines=(r"L[\boldsymbol\phi]",),
          uses=(r"\log",)))),
    Slide("Fitting models – Gradient descent", body=(
        T("We have defined the loss function, and now need to find the parameter values that minimize it. "
          "Gradient descent is an optimization algorithm that uses the gradient of the loss function to "
          "minimize it."),
        F("gradient_descent", "gradient_descent_trajectory", 0.6))),
    Slide("Gradient descent – The algorithm", body=(
        T("The gradient descent algorithm has two simple steps:\n"
          "1. Compute the gradient of the loss w.r.t. its parameters:"),
        E("gradient_descent", "gradient", defines=(r"\frac{\partial L}{\partial \boldsymbol\phi}",), uses=(r"\sum",)),
        T("2. Update the parameter values:"),
        E("gradient_descent", "update", uses=(r"- \alpha",)),
        T("Here, $\\alpha$ determines the rate of change, and is typically called the learning rate."),
        BREAK,
        T("For 1-D linear regression, a line with offset $\\phi_0$ and slope $\\phi_1$, with the least-squares "
          "loss, every step is exact:"),
        E("gradient_descent", "descent", steps=(0, 4), gap=False, uses=(r"\frac{\partial L}{\partial \phi_0}",)),
        BREAK,
        T("The first iterates, from the starting point:"),
        E("gradient_descent", "descent", steps=(4, 10), gap=False, defines=(r"\phi_0^{[0]}", r"\phi_1^{[2]}")))),
    Slide("Stochastic gradient descent – Introducing noise to the optimization algorithm", body=(
        T("Stochastic gradient descent (SGD) follows a noisy version of the gradient: each step sees only "
          "part of the training data. The loss of each batch (grey) scatters around the loss of each "
          "epoch (blue):"),
        F("sgd", "sgd_loss_curve", 0.6))),
    Slide("SGD – Training on random mini-batches at each step", body=(
        T("In general, our loss functions can be thought of as a sum of loss terms for each training sample "
          "(here the binary classification loss of a shallow network):"),
        E("losses", "network loss", defines=(r"L[\boldsymbol\phi]", r"\ell_i")),
        T("In regular gradient descent, we include all of these terms in the computation of the gradient. "
          "In SGD, we introduce randomness by only computing the gradient for a random subset of the samples "
          "at each step:"),
        E("sgd", "update", uses=(r"\mathcal{B}_t",)))),
    Slide("Batches, epochs, monitoring and checkpointing", body=(
        T("The subset of training samples that we use for each update is called a batch. The number of "
          "elements in the batches can vary from one to the entire training set, in which case we are back "
          "at regular gradient descent."),
        T("When we have small batch sizes, we need several iterations to cover the entire training set. A "
          "full pass through the training set is called an epoch. In practice, we often make checkpoints, "
          "and monitor progress at each step."),
        BREAK,
        T("A shallow network trained by SGD, stopped and resumed from its checkpoint:"),
        F("sgd", "sgd_fit", 0.6))),
    Slide("Digression: The backpropagation algorithm", body=(
        T("The backpropagation algorithm is an efficient way of computing derivatives in a neural network, "
          "that applies the chain rule. It involves doing a forward pass, where we compute (and store) all the "
          "intermediate values needed to calculate the loss."),
        T("Once we have calculated the loss, we can compute derivatives of all the intermediate variables, "
          "applying the chain rule."),
        BREAK,
        T("The forward pass of a small example, storing every intermediate:"),
        E("backprop", "forward", gap=False, defines=("f_{0}", r"\ell")),
        BREAK,
        T("The backward pass, from the loss back to the first layer:"),
        E("backprop", "backward", gap=False,
          defines=(r"\frac{\partial \ell}{\partial f_{3}}", r"\frac{\partial \ell}{\partial \omega_{0}}")),
        BREAK,
        T("For a deep network, layer by layer:"),
        E("backprop", "matrix", gap=False,
          defines=(r"\mathbf{f}_{0}", r"\frac{\partial \ell}{\partial \boldsymbol\beta_{k}}")),
        BREAK,
        F("backprop", "backprop_tangents", 0.7))),
    Slide("Digression: Initialisation – keeping the variance through the layers", section="Initialisation", body=(
        T("At the start of training, each ReLU layer multiplies the variance of the activations by a factor "
          "set by the variance of the random weights:"),
        E("initialisation", "forward", gap=False, defines=(r"\mathbb{E}[h^{2}]", r"\sigma_{f'}^{2}"),
          uses=(r"\sigma_{\Omega}^{2}",)),
        BREAK,
        T("The same holds for the gradients, one layer down:"),
        E("initialisation", "backward", gap=False, defines=(r"\sigma_{\partial f}^{2}",)),
        BREAK,
        T("A factor of one keeps both: He's initialisation for ReLU, Glorot's for tanh:"),
        E("initialisation", "rules", gap=False, defines=(r"\sigma_{\Omega}^{2}",), uses=(r"D_{h'}",)),
        BREAK,
        F("initialisation", "initialisation_variance", 0.7))),
    Slide("Specialized architectures – Modifications to deal with complex inputs, etc.", body=(
        T("We have now looked at the basic components of deep learning models, what functions they "
          "represent and how we can train them."),
        T("Specialized architectures have been developed to deal with task specific problems such as large "
          "inputs, inputs of varying length and spatial or textual context. Examples of such architectures "
          "include convolutional neural networks for image analysis and transformers for text processing."))),
    Slide("Convolutional networks – one kernel shared along the input", section="Convolutional networks", body=(
        T("A convolutional layer computes each output from a few neighbouring inputs, with the same weights at "
          "every position:"),
        E("convolution", "layer", gap=False, defines=("{z}_{i}",), uses=(r"{\omega}_{1} {x}_{i - 1}",)),
        BREAK,
        T("Its weights form a banded matrix (the Jacobian of the outputs), with far fewer parameters than a fully "
          "connected layer:"),
        E("convolution", "matrix", gap=False, uses=(r"\omega_{3} & 0",)),
        E("convolution", "counts", gap=False, defines=("N_{c}", "N_{f}")),
        BREAK,
        T("Shifting the input shifts the output (translation equivariance):"),
        E("convolution", "equivariance", gap=False, defines=("{z'}_{i}",), uses=("{z}_{i - t}",)),
        BREAK,
        F("convolution", "convolution_layer", 0.6))),
    Slide("Transformers – self-attention", section="Transformers", body=(
        T("A transformer processes a sequence of tokens. In self-attention every token gives a value, a query and a "
          "key; each output is a weighted sum of the values, its weights a softmax over the keys of their scaled dot "
          "products with the query:"),
        E("attention", "attention", gap=False, defines=("{s}_{m,n}", "{a}_{m,n}", r"{\mathrm{sa}}_{d,n}"),
          uses=(r"\sqrt{D_{q}}",)),
        BREAK,
        T("In matrix form, for three tokens:"),
        E("attention", "matrix", gap=False, uses=(r"\frac{1}{\sqrt{D_{q}}}",)),
        BREAK,
        T("Its parameters do not depend on the number of tokens, and reordering the tokens reorders the outputs:"),
        E("attention", "counts", gap=False, defines=("N_{sa}",)),
        F("attention", "attention_matrix", 0.5))),
)


def slides_for_topic(topic: str) -> list[Slide]:
    """The lecture slides that draw on ``topic`` (for a notebook's markdown), in order."""
    return [s for s in LECTURE if topic in s.topics]


def slide_map() -> list[tuple[str, list[str]]]:
    """``(slide title, [topic, ...])`` for every lecture slide, in the lecture's order."""
    return [(s.title, s.topics) for s in LECTURE]


# ----- the topics, in the lecture's order -------------------------------------------------

#: Topic modules (``derivations.topics.<name>``) in the lecture's order.
TOPICS: tuple[str, ...] = (
    "shallow", "activations", "hidden_units", "piecewise_linear", "universal_approximation", "deep_networks",
    "counts_regions", "depth", "losses", "gradient_descent", "sgd", "backprop", "initialisation", "convolution",
    "attention", "exercises_example",
)


def parse_topics(text: str | None) -> list[str]:
    """``"shallow,losses"`` -> validated topic names in the lecture's order (None: all)."""
    if text is None:
        return list(TOPICS)
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise ValueError(f"--topics needs at least one topic; choose from {', '.join(TOPICS)}")
    for name in names:
        if name not in TOPICS:
            import difflib

            close = difflib.get_close_matches(name, TOPICS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown topic {name!r}{hint}; choose from {', '.join(TOPICS)}")
    return [t for t in TOPICS if t in names]
