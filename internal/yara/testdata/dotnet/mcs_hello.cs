using System;
using System.Reflection;
using System.Runtime.InteropServices;
[assembly: Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")]
[assembly: AssemblyVersion("1.2.3.4")]
[assembly: AssemblyTitle("VigieTest")]
public class P {
  public const string C1 = "constant one";
  const string C2 = "deux";
  static readonly int[] Table = new int[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  [DllImport("kernel32.dll")] static extern uint GetTickCount();
  [DllImport("user32.dll")] static extern int MessageBoxW(IntPtr h, string t, string c, uint type);
  public static void Main() {
    Console.WriteLine("hello from vigie");
    Console.WriteLine(C1 + C2 + Table[3]);
    if (Environment.TickCount == 0) GetTickCount();
  }
}
