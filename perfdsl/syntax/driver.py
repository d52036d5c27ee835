"""Lark's LALR loop, passing chains of one-child reductions in one step.

Most of the reductions in a rule file are ``?rule``s of one child — the precedence ladder
``?sum: product``, ``?product: unary`` … — whose callback hands its child back unchanged
(``reductions.passes_through``).  Such a reduction changes only the state on top of the
stack: it pops one state and pushes the goto of the state below.  A chain of them is
therefore a function of the state below, the state on top and the lookahead, and is looked
up once per (below, top, lookahead) and kept.  Everything else is Lark's own: its parse
table (in the copy ``parser._reducer`` makes), its ``ParserState`` and ``_Parser`` classes,
subclassed here for a loop that reads the whole token stream itself instead of one method
call per token.  A syntax error raises Lark's ``UnexpectedToken``; the caller then parses the
tree way, which reports it (``builder.build``).
"""

from __future__ import annotations

from typing import cast

from lark import Token
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser import _Parser
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from perfdsl.syntax.tokens import FusedArm


class Unit:
    """The action of a one-child reduction whose value is its child (its argument: the rule's name)."""


class ChainState(ParserState):
    __slots__ = ()

    def feed_all(self, tokens) -> object:
        """Every token, then the end: what the start rule's callback returned."""
        states, end_state = self.parse_conf.states, self.parse_conf.end_state
        callbacks = self.parse_conf.callbacks
        state_stack, value_stack = self.state_stack, self.value_stack
        chains: dict = {}
        fused_arm = cast(dict, callbacks).get(FusedArm)  # (keyed by rules, and by FusedArm for its own)
        token = None
        for token in tokens:
            ttype = token.type
            while True:
                top = state_stack[-1]
                try:
                    action, arg = states[top][ttype]
                except KeyError:
                    raise UnexpectedToken(token, {s for s in states[top] if s.isupper()}, state=self) from None
                if action is Shift:
                    if token.__class__ is FusedArm:  # where its bracket would be shifted: the arm it stands for
                        goto = states[top].get("arm")
                        if goto is None or fused_arm is None:  # not an arm here after all: the tree way decides
                            raise UnexpectedToken(token, set(), state=self)
                        state_stack.append(goto[1])
                        value_stack.append(fused_arm(token))
                        break
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                if action is Unit:
                    below = state_stack[-2]
                    key = (below, top, ttype)
                    try:
                        state_stack[-1] = chains[key]
                    except KeyError:
                        state_stack[-1] = chains[key] = _chain_end(states, below, top, ttype)
                    continue
                size = arg.size
                if size:
                    s = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    s = []
                state_stack.append(states[state_stack[-1]][arg.name][1])
                value_stack.append(callbacks[arg](s))
        if token.__class__ is FusedArm:  # pragma: no cover — never last: what ends its expression follows it
            raise UnexpectedToken(token, set(), state=self)
        end = Token.new_borrow_pos("$END", "", token) if token is not None else Token("$END", "", 0, 1, 1)
        while True:
            top = state_stack[-1]
            try:
                action, arg = states[top]["$END"]
            except KeyError:
                raise UnexpectedToken(end, {s for s in states[top] if s.isupper()}, state=self) from None
            if action is Shift:  # pragma: no cover — Lark's tables never shift the end
                raise UnexpectedToken(end, set(), state=self)
            if action is Unit:
                state_stack[-1] = states[state_stack[-2]][arg][1]
            else:
                size = arg.size
                if size:
                    s = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    s = []
                state_stack.append(states[state_stack[-1]][arg.name][1])
                value_stack.append(callbacks[arg](s))
            if state_stack[-1] == end_state:
                return value_stack[-1]


def _chain_end(states: dict, below: int, top: int, ttype: str) -> int:
    """The state on top after every one-child reduction ``ttype`` leads to from ``top`` over ``below``."""
    while True:
        action, arg = states[top].get(ttype, (None, None))
        if action is not Unit:  # what comes next, or a syntax error the loop raises
            return top
        top = states[below][arg][1]


class ChainParser(_Parser):
    """Lark's ``_Parser`` over a table whose one-child reductions are ``Unit`` actions."""

    def parse(self, lexer, start: str, value_stack=None, state_stack=None, start_interactive=False):
        state = ChainState(ParseConf(self.parse_table, self.callbacks, start), lexer, state_stack, value_stack)
        return state.feed_all(state.lexer.lex(state))
