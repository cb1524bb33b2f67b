namespace OPSource.Fuzz;

/// <summary>
/// Byte-level mutations for the in-process engine (no coverage feedback): bit flips, interesting
/// values, arithmetic, insertions and deletions, chunk copies, and splices with other corpus entries
/// and with tokens taken from the seeds (so text targets meet opcode names and descriptor functions).
/// </summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> corpus, IReadOnlyList<byte[]> tokens, int maxLength = 4096)
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x10, 0x20, 0x30, 0x40, 0x4c, 0x4d, 0x4e, 0x7f, 0x80, 0x81, 0xfd, 0xfe, 0xff];

    public byte[] Next()
    {
        var data = new List<byte>(corpus[random.Next(corpus.Count)]);
        var rounds = 1 + random.Next(random.Next(2) == 0 ? 2 : 8);
        for (var i = 0; i < rounds; i++)
        {
            Mutate(data);
        }

        if (data.Count > maxLength)
        {
            data.RemoveRange(maxLength, data.Count - maxLength);
        }

        return [.. data];
    }

    private void Mutate(List<byte> data)
    {
        // Byte 0 is usually a selector: keep it most of the time so mutations stay in one mode.
        var start = data.Count > 1 && random.Next(8) != 0 ? 1 : 0;
        var pos = data.Count > start ? random.Next(start, data.Count) : data.Count;
        switch (random.Next(11))
        {
            case 0 when data.Count > 0 && pos < data.Count:
                data[pos] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when pos < data.Count:
                data[pos] = Interesting[random.Next(Interesting.Length)];
                break;
            case 2 when pos < data.Count:
                data[pos] = (byte)(data[pos] + random.Next(-4, 5));
                break;
            case 3:
                data.Insert(pos, (byte)random.Next(256));
                break;
            case 4 when pos < data.Count:
                data.RemoveRange(pos, Math.Min(data.Count - pos, 1 + random.Next(random.Next(2) == 0 ? 4 : 64)));
                break;
            case 5 when pos < data.Count:
                {
                    // Duplicate a chunk (repeated fields, nested structures).
                    var length = Math.Min(data.Count - pos, 1 + random.Next(32));
                    var chunk = data.GetRange(pos, length);
                    data.InsertRange(random.Next(start, data.Count + 1), chunk);
                    break;
                }

            case 6:
                {
                    // Splice: a piece of another entry.
                    var other = corpus[random.Next(corpus.Count)];
                    if (other.Length > 0)
                    {
                        var from = random.Next(other.Length);
                        var length = Math.Min(other.Length - from, 1 + random.Next(64));
                        data.InsertRange(pos, other.AsSpan(from, length).ToArray());
                    }

                    break;
                }

            case 7 when tokens.Count > 0:
                data.InsertRange(pos, tokens[random.Next(tokens.Count)]);
                break;
            case 8 when tokens.Count > 0 && pos < data.Count:
                {
                    var token = tokens[random.Next(tokens.Count)];
                    var length = Math.Min(data.Count - pos, token.Length);
                    data.RemoveRange(pos, length);
                    data.InsertRange(pos, token);
                    break;
                }

            case 9 when pos + 1 < data.Count:
                {
                    // A little-endian length or count field: set it to a boundary value.
                    var value = random.Next(5) switch { 0 => 0, 1 => 0xfd, 2 => 0xffff, 3 => random.Next(1, 600), _ => -1 };
                    data[pos] = (byte)value;
                    data[pos + 1] = (byte)(value >> 8);
                    break;
                }

            default:
                if (pos < data.Count)
                {
                    data[pos] = (byte)random.Next(256);
                }

                break;
        }
    }

    /// <summary>Tokens for splicing: words of text seeds (split at separators), at most a few hundred.</summary>
    public static List<byte[]> TokensFrom(IEnumerable<byte[]> seeds)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            if (seed.Length < 2 || seed.Skip(1).Any(b => b is < 0x20 or > 0x7e))
            {
                continue;
            }

            var text = System.Text.Encoding.ASCII.GetString(seed, 1, seed.Length - 1);
            foreach (var word in text.Split([' ', ',', '(', ')', '/', '[', ']', '{', '}', '#'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (word.Length is > 0 and <= 24)
                {
                    set.Add(word);
                }
            }

            foreach (var piece in new[] { "(", ")", ",", "/", "*", "h", "'", "<", ">", ";", "[", "]", "{", "}", "#", "/*", "<0;1>" })
            {
                set.Add(piece);
            }
        }

        return [.. set.Take(400).Select(System.Text.Encoding.ASCII.GetBytes)];
    }
}

/// <summary>The outcome of an in-process run.</summary>
/// <param name="Executions">Inputs run (seeds included).</param>
/// <param name="Crash">The first crashing input and its exception, if any.</param>
/// <param name="Elapsed">Wall time.</param>
internal sealed record FuzzRunResult(long Executions, (byte[] Input, Exception Error)? Crash, TimeSpan Elapsed);

/// <summary>
/// The in-process engine: every seed once, then mutations of the corpus until the budget (runs or
/// time) is spent or an input crashes. Used by the test suite's smoke run and where AFL++ is absent.
/// </summary>
internal static class InProcessFuzzer
{
    public static FuzzRunResult Run(FuzzTarget target, IReadOnlyList<byte[]> corpus, long maxRuns, TimeSpan maxTime, int seed)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long executions = 0;
        var pool = corpus.Count > 0 ? corpus : [[]];
        foreach (var input in pool)
        {
            if (Execute(target, input) is { } error)
            {
                return new FuzzRunResult(executions + 1, (input, error), clock.Elapsed);
            }

            executions++;
        }

        var mutator = new Mutator(new Random(seed), pool, Mutator.TokensFrom(pool));
        while (executions < maxRuns && clock.Elapsed < maxTime)
        {
            var input = mutator.Next();
            executions++;
            if (Execute(target, input) is { } error)
            {
                return new FuzzRunResult(executions, (input, error), clock.Elapsed);
            }
        }

        return new FuzzRunResult(executions, null, clock.Elapsed);
    }

    /// <summary>Runs one input; the exception it raised, or null.</summary>
    public static Exception? Execute(FuzzTarget target, byte[] input)
    {
        try
        {
            target.Run(input);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
