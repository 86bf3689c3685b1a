using System.Reflection;
using System.Text.RegularExpressions;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Rules;

/// <summary>
/// lib/README.md's table is the layering: each folder may use only the folders its row names, all of them rows above
/// it. What the compiled library really uses, type by type and instruction by instruction, must keep to it.
/// </summary>
public class LayeringTests
{
    static readonly string Readme = Path.Combine(TestEnvironment.Root, "lib", "README.md");

    /// <summary>The table's folders in order, each with the folders it may use.</summary>
    static List<(string Folder, HashSet<string> MayUse)> Table()
    {
        var rows = new List<(string, HashSet<string>)>();
        foreach (var line in File.ReadLines(Readme))
        {
            var match = Regex.Match(line, @"^\| `(\w+)/` \|[^|]*\| ([^|]*) \|$");
            if (!match.Success) continue;
            var uses = match.Groups[2].Value.Trim();
            rows.Add((match.Groups[1].Value, uses == "nothing of ours" ? [] : uses.Split(',', StringSplitOptions.TrimEntries).ToHashSet()));
        }
        return rows;
    }

    /// <summary>The folder a namespace lives in: LlmNotebooks.Training.Callbacks is Training; LlmNotebooks itself is Common.</summary>
    static string? Folder(string? ns) => ns switch
    {
        "LlmNotebooks" => "Common",
        not null when ns.StartsWith("LlmNotebooks.") => ns["LlmNotebooks.".Length..].Split('.')[0],
        _ => null,
    };

    [Fact]
    public void The_table_names_every_folder_once_and_each_uses_only_folders_above_it()
    {
        var table = Table();
        var folders = Directory.GetDirectories(Path.Combine(TestEnvironment.Root, "lib")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(folders, table.Select(r => r.Folder).Order());
        for (int i = 0; i < table.Count; i++)
            foreach (var used in table[i].MayUse.Where(u => u != "Common" || i > 0))
                Assert.True(table.Take(i).Any(r => r.Folder == used), $"{table[i].Folder} may use {used}, which is not a row above it (a cycle, or a typo)");
    }

    [Fact]
    public void Every_file_declares_the_namespace_of_its_folder()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestEnvironment.Root, "lib"), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Path.Combine(TestEnvironment.Root, "lib"), file);
            if (!relative.Contains(Path.DirectorySeparatorChar)) continue;   // Program.cs: the entry point
            var declared = Regex.Match(File.ReadAllText(file), @"^namespace ([\w.]+);", RegexOptions.Multiline).Groups[1].Value;
            Assert.True(Folder(declared) == relative.Split(Path.DirectorySeparatorChar)[0], $"lib/{relative} declares namespace '{declared}'");
        }
    }

    [Fact]
    public void The_library_uses_only_what_the_table_allows()
    {
        var allowed = Table().ToDictionary(r => r.Folder, r => r.MayUse);
        var breaches = Dependencies(typeof(LlmNotebooks.Platform.CpuInfo).Assembly)
            .Where(d => d.From != d.To && d.To != "Common" && !allowed[d.From].Contains(d.To))   // every folder may use Common
            .GroupBy(d => $"{d.From} -> {d.To}").OrderBy(g => g.Key)
            .Select(g => $"{g.Key}: {string.Join("; ", g.Select(d => d.Where).Distinct().Order().Take(3))}").ToList();
        Assert.True(breaches.Count == 0, "uses the table does not allow (with up to three places each):\n" + string.Join("\n", breaches));
    }

    /// <summary>Every (folder, folder it uses, the member that uses it) of the library's own types.</summary>
    static IEnumerable<(string From, string To, string Where)> Dependencies(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            var from = Folder(Outermost(type).Namespace);
            if (from is null) continue;
            foreach (var (used, where) in UsedTypes(type))
                if (Folder(Outermost(used).Namespace) is { } to) yield return (from, to, $"{Outermost(type).Name}.{where} uses {used.Name}");
        }
    }

    static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    static IEnumerable<(Type Used, string Where)> UsedTypes(Type type)
    {
        var found = new List<(Type, string)>();
        void Add(Type? t, string where)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType(), where); return; }
            if (t.IsGenericType) foreach (var argument in t.GetGenericArguments()) Add(argument, where);
            if (!t.IsGenericParameter) found.Add((t.IsGenericType ? t.GetGenericTypeDefinition() : t, where));
        }
        Add(type.BaseType, "base type");
        foreach (var i in type.GetInterfaces()) Add(i, "interface");
        foreach (var attribute in type.CustomAttributes)
        {
            Add(attribute.AttributeType, "attribute");
            foreach (var argument in attribute.ConstructorArguments) Add(argument.Value as Type, "attribute");
        }
        foreach (var field in type.GetFields(IlReader.Declared)) Add(field.FieldType, field.Name);
        foreach (var property in type.GetProperties(IlReader.Declared)) Add(property.PropertyType, property.Name);
        foreach (var method in type.GetMethods(IlReader.Declared).Cast<MethodBase>().Concat(type.GetConstructors(IlReader.Declared)))
        {
            if (method is MethodInfo m) Add(m.ReturnType, method.Name);
            foreach (var parameter in method.GetParameters()) Add(parameter.ParameterType, method.Name);
            foreach (var member in IlReader.Operands(method))
                switch (member)
                {
                    case Type t: Add(t, method.Name); break;
                    case MemberInfo other: Add(other.DeclaringType, method.Name); break;
                }
        }
        return found;
    }
}
