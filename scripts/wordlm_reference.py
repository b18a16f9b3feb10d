#!/usr/bin/python3
"""The Python peer of examples/wordlm: pytorch/examples' word_language_model
recipe (corpus with <eos> per line, batchify, bptt windows, RNN/LSTM/GRU or
Transformer language model, NLL of log-softmax, clip_grad_norm_, plain SGD
by p.data.add_(p.grad, alpha=-lr)), written for torchgo's parity tests and
benchmark. It prints one JSON object: the loss of every training step, the
validation loss per epoch, the seconds per training step, and saves the
state dict with --save; --load instead loads a state dict strictly (one that
examples/wordlm saved) and prints its validation loss.

Usage: wordlm_reference.py --data DIR [--model LSTM] [--steps N] ... (the
flags of examples/wordlm, same names and defaults).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--model", default="LSTM")
p.add_argument("--emsize", type=int, default=200)
p.add_argument("--nhid", type=int, default=200)
p.add_argument("--nlayers", type=int, default=2)
p.add_argument("--lr", type=float, default=20)
p.add_argument("--clip", type=float, default=0.25)
p.add_argument("--epochs", type=int, default=40)
p.add_argument("--batch-size", type=int, default=20)
p.add_argument("--bptt", type=int, default=35)
p.add_argument("--dropout", type=float, default=0.2)
p.add_argument("--tied", action="store_true")
p.add_argument("--seed", type=int, default=1111)
p.add_argument("--nhead", type=int, default=2)
p.add_argument("--steps", type=int, default=0, help="stop after this many training steps (0: all)")
p.add_argument("--save", default="")
p.add_argument("--load", default="", help="load this state dict strictly, print its validation loss and stop")
args = p.parse_args()

torch.manual_seed(args.seed)


class Corpus:
    def __init__(self, path):
        self.word2idx, self.idx2word = {}, []
        self.train = self.tokenize(os.path.join(path, "train.txt"))
        self.valid = self.tokenize(os.path.join(path, "valid.txt"))
        self.test = self.tokenize(os.path.join(path, "test.txt"))

    def tokenize(self, path):
        ids = []
        with open(path, encoding="utf8") as f:
            for line in f:
                for w in line.split() + ["<eos>"]:
                    if w not in self.word2idx:
                        self.word2idx[w] = len(self.idx2word)
                        self.idx2word.append(w)
                    ids.append(self.word2idx[w])
        return torch.tensor(ids, dtype=torch.int64)


def batchify(data, bsz):
    n = data.size(0) // bsz
    return data.narrow(0, 0, n * bsz).view(bsz, -1).t().contiguous()


class RNNModel(nn.Module):
    def __init__(self, kind, ntoken, ninp, nhid, nlayers, dropout, tied):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if kind in ("LSTM", "GRU"):
            self.rnn = getattr(nn, kind)(ninp, nhid, nlayers, dropout=dropout)
        else:
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity={"RNN_TANH": "tanh", "RNN_RELU": "relu"}[kind], dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tied:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        self.kind, self.nhid, self.nlayers = kind, nhid, nlayers

    def forward(self, x, hidden):
        emb = self.drop(self.encoder(x))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        w = next(self.parameters())
        if self.kind == "LSTM":
            return (w.new_zeros(self.nlayers, bsz, self.nhid), w.new_zeros(self.nlayers, bsz, self.nhid))
        return w.new_zeros(self.nlayers, bsz, self.nhid)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0), :])


class TransformerModel(nn.Module):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout):
        super().__init__()
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers)
        self.decoder = nn.Linear(ninp, ntoken)
        self.ninp = ninp
        self.src_mask = None
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, src):
        if self.src_mask is None or self.src_mask.size(0) != len(src):
            self.src_mask = torch.triu(torch.full((len(src), len(src)), float("-inf")), diagonal=1)
        src = self.encoder(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, self.src_mask)
        return F.log_softmax(self.decoder(output), dim=-1)


def get_batch(source, i):
    n = min(args.bptt, len(source) - 1 - i)
    return source[i:i + n], source[i + 1:i + 1 + n].view(-1)


def detach(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(detach(v) for v in h)


corpus = Corpus(args.data)
ntokens = len(corpus.idx2word)
train_data = batchify(corpus.train, args.batch_size)
val_data = batchify(corpus.valid, 10)
if args.model == "Transformer":
    model = TransformerModel(ntokens, args.emsize, args.nhead, args.nhid, args.nlayers, args.dropout)
else:
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied)
criterion = nn.NLLLoss()


def evaluate(data):
    model.eval()
    total = 0.0
    hidden = None if args.model == "Transformer" else model.init_hidden(10)
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, args.bptt):
            x, y = get_batch(data, i)
            if args.model == "Transformer":
                out = model(x).view(-1, ntokens)
            else:
                out, hidden = model(x, hidden)
                hidden = detach(hidden)
            total += len(x) * criterion(out, y).item()
    return total / (len(data) - 1)


if args.load:
    model.load_state_dict(torch.load(args.load), strict=True)
    json.dump({"val_loss": evaluate(val_data), "ntokens": ntokens}, sys.stdout)
    sys.exit(0)

losses, val_losses, step_times = [], [], []
lr, steps, done, best = args.lr, 0, False, None
for epoch in range(1, args.epochs + 1):
    model.train()
    hidden = None if args.model == "Transformer" else model.init_hidden(args.batch_size)
    for i in range(0, train_data.size(0) - 1, args.bptt):
        t0 = time.perf_counter()
        x, y = get_batch(train_data, i)
        model.zero_grad()
        if args.model == "Transformer":
            out = model(x).view(-1, ntokens)
        else:
            hidden = detach(hidden)
            out, hidden = model(x, hidden)
        loss = criterion(out, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for q in model.parameters():
            q.data.add_(q.grad, alpha=-lr)
        losses.append(loss.item())
        step_times.append(time.perf_counter() - t0)
        steps += 1
        if args.steps and steps >= args.steps:
            done = True
            break
    val = evaluate(val_data)
    val_losses.append(val)
    if best is None or val < best:
        best = val
    else:
        lr /= 4.0  # the example anneals the learning rate when validation stalls
    if done:
        break
if args.save:
    torch.save(model.state_dict(), args.save)
json.dump({"losses": losses, "val_losses": val_losses, "step_seconds": step_times, "ntokens": ntokens}, sys.stdout)
