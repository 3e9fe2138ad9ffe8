from audiogen.cli import main

main()
