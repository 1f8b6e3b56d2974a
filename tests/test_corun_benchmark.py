"""``benchmarks.corun`` runs its rounds and prints the trainer's share beside each kind of neighbour."""

import re

import pytest

from benchmarks import corun


@pytest.mark.parametrize("load", ["python", "numpy", "qt"])
def test_each_neighbour_does_its_work(load):
    work = corun._work(load)
    work()  # one piece of it runs here without error


def test_prints_the_share_beside_a_busy_neighbour(capsys):
    assert corun.main(["--rounds", "2", "--seconds", "0.1", "--duty", "0.5", "--load", "numpy"]) == 0
    line = capsys.readouterr().out.strip()
    m = re.fullmatch(r"3b1b beside a neighbour \(numpy\) busy (\d+)% of a core: ([\d.]+)% of alone .*", line)
    assert m, line
    assert 20 <= int(m.group(1)) <= 80  # it did work for about half of each period, and no more
    assert 20 < float(m.group(2)) < 500
