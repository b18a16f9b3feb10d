module github.com/torchgo/torchgo

go 1.24
