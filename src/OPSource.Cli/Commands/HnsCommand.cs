using System.CommandLine;
using OPSource.Web5;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource hns resolve NAME</c>: a Handshake name through the configured hsd node.</summary>
internal static class HnsCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("hns", "Handshake names through an hsd node (Web5:Handshake settings)");
        command.Add(CreateResolve(globals, output, error));
        return command;
    }

    private static Command CreateResolve(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The Handshake name (a top-level name, e.g. 'alice')" };
        var noDid = new Option<bool>("--no-did") { Description = "Do not resolve the DID the name links to" };
        var command = new Command(
            "resolve",
            "Resolve a Handshake name: its records (from hsd's Urkel proof, verified against the chain's tree root), hsd's name-server answers and the DID it links to (a TXT record 'did=DID' or a bare DID; did:web:NAME for a name with addresses); exit 1 when the proof does not verify or the linked DID does not resolve")
        {
            name, noDid,
        }.WithExamples(
            "opsource hns resolve alice",
            "opsource hns resolve alice --no-did --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => DidCommand.Web5Action(ctx, async web5 =>
        {
            var result = await web5.ResolveHandshakeAsync(DidCommand.ReadArgument(ctx, parse.GetValue(name)!, "name"), !parse.GetValue(noDid), ct2).ConfigureAwait(false);
            ctx.WriteResult(Web5Views.HandshakeName(result), w =>
            {
                w.WriteLine($"{result.Name} ({result.State})");
                foreach (var r in result.Records)
                {
                    w.WriteLine("  " + r.ToJson().ToJsonString());
                }

                if (result.Proof is { } p)
                {
                    w.WriteLine(p.Verified ? $"  proof: verified ({p.Type.ToString().ToLowerInvariant()}) against tree root {p.TreeRoot} at height {p.Height}" : $"  proof: NOT verified: {p.Error}");
                }

                if (result.PendingUpdate)
                {
                    w.WriteLine("  note: hsd's current records differ from the proven ones (an update after the last tree commit)");
                }

                if (result.LinkedDid is not null)
                {
                    w.WriteLine($"  did: {result.LinkedDid}" + (result.DidResolution is { } d ? (d.Ok ? " (resolves)" : $" (does not resolve: {d.Error})") : string.Empty));
                }
            });
            if (result.Proof is { Verified: false } failed)
            {
                throw new CliUserException($"hns resolve: the name proof does not verify: {failed.Error}");
            }

            if (result.DidResolution is { Ok: false } bad)
            {
                throw new CliUserException($"hns resolve: the linked DID {result.LinkedDid} does not resolve: {bad.Error}" + (bad.ErrorMessage is null ? string.Empty : $" ({bad.ErrorMessage})"));
            }

            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }
}
